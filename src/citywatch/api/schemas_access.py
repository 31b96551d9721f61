"""Request and response bodies of the access-control routes (users, organisations, sharing, audit)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ApiTokenIn",
    "ApiTokenOut",
    "AuditEntryOut",
    "AuditReportOut",
    "AuditVerifyOut",
    "GroupIn",
    "GroupOut",
    "IncidentIn",
    "JustificationIn",
    "MfaConfirmIn",
    "MfaSetupOut",
    "OrganisationIn",
    "OrganisationOut",
    "OwnerIn",
    "RuleIn",
    "RuleOut",
    "ShareIn",
    "ShareOut",
    "SiteIn",
    "SiteOut",
    "UserAdminIn",
    "UserAdminOut",
    "ViewerOut",
]


class MfaSetupOut(BaseModel):
    secret: str
    otpauth_uri: str


class MfaConfirmIn(BaseModel):
    code: str = Field(max_length=16)


class ApiTokenIn(BaseModel):
    name: str = Field(max_length=200)
    expires_days: float | None = Field(default=90, gt=0, le=3650)


class ApiTokenOut(BaseModel):
    id: int
    name: str
    created: str
    expires: str | None
    revoked: str | None
    last_used: str | None
    token: str | None = Field(default=None, description="shown once, at creation")


class JustificationIn(BaseModel):
    camera_id: int | None = Field(default=None, description="none: every camera in this session")
    reason: str = Field(max_length=2000)
    reference: str = Field(max_length=100, description="CAD or crime reference number")


class OrganisationIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Field(description="council, police or partner")


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: str


class SiteIn(BaseModel):
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=2000)


class SiteOut(BaseModel):
    id: int
    organisation_id: int
    name: str
    address: str


class GroupIn(BaseModel):
    name: str = Field(max_length=200)
    organisation_id: int
    camera_ids: list[int] = Field(default_factory=list)


class GroupOut(BaseModel):
    id: int
    organisation_id: int
    name: str
    camera_ids: list[int]


class OwnerIn(BaseModel):
    organisation_id: int | None


class UserAdminIn(BaseModel):
    username: str = Field(max_length=200)
    display_name: str = Field(max_length=200)
    organisation_id: int
    role: str
    password: str | None = Field(default=None, max_length=1000)
    signin_hours: str | None = Field(default=None, max_length=32, description="HH:MM-HH:MM, UK time")
    disabled: bool = False


class UserAdminOut(BaseModel):
    id: int
    username: str
    display_name: str
    organisation_id: int
    role: str
    mfa_enrolled: bool
    mfa_required: bool
    disabled: bool
    locked_until: str | None
    signin_hours: str | None
    last_login: str | None


class RuleIn(BaseModel):
    action: str
    effect: str = Field(description="allow or deny")
    target_kind: str = Field(description="all, camera, group or organisation")
    target_id: int | None = None
    role: str | None = None
    organisation_id: int | None = None
    user_id: int | None = None
    playback_days: float | None = None
    hours: str | None = None


class RuleOut(RuleIn):
    id: int
    created: str
    created_by: str


class ShareIn(BaseModel):
    owner_id: int
    recipient_id: int
    rights: list[str] = Field(description="live, recorded, ptz")
    condition: str = Field(default="always", description="always, incident or alarm")
    start: str | None = Field(default=None, description="ISO 8601 UTC; default now")
    expires: str | None = None
    dsa_reference: str = Field(max_length=200)
    camera_ids: list[int] | None = None
    group_ids: list[int] | None = None


class ShareOut(BaseModel):
    id: int
    owner_id: int
    recipient_id: int
    rights: list[str]
    condition: str
    start: str
    expires: str | None
    incident_until: str | None
    dsa_reference: str
    camera_ids: list[int] | None
    group_ids: list[int] | None
    created_by: str
    revoked: str | None
    in_force: bool


class IncidentIn(BaseModel):
    minutes: float = Field(ge=0, le=1440)


class AuditEntryOut(BaseModel):
    seq: int
    at: str
    action: str
    outcome: str
    username: str | None
    organisation: str | None
    role: str | None
    client: str | None
    camera_id: int | None
    start: str | None
    end: str | None
    justification: str | None
    detail: dict[str, Any]
    hash: str


class AuditVerifyOut(BaseModel):
    checked: int
    ok: bool
    broken_at: int | None
    reason: str | None


class AuditReportOut(BaseModel):
    start: str
    end: str
    counts: dict[str, int]


class ViewerOut(BaseModel):
    username: str
    organisation: str | None
    since: str

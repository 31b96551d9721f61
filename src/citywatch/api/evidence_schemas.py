"""Request and response bodies of the evidence routes (pydantic). Times are ISO 8601 UTC strings with a Z."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "CaseIn",
    "CaseOut",
    "DeliveryIn",
    "DeliveryOut",
    "DisclosureOut",
    "EvidenceHoldIn",
    "EvidenceHoldOut",
    "ExhibitOut",
    "ExportIn",
    "ExportOut",
    "PublicKeyOut",
    "RedactionIn",
    "ReleaseIn",
    "WorkingCopyIn",
]


class CaseIn(BaseModel):
    reference: str = Field(max_length=200, description="crime or CAD reference")
    owner: str = Field(max_length=200)
    review: str = Field(description="next review date, ISO 8601 UTC")
    title: str = Field(default="", max_length=300)
    notes: str = Field(default="", max_length=5000)
    status: Literal["open", "closed"] = "open"


class CaseOut(BaseModel):
    id: int
    reference: str
    title: str
    owner: str
    organisation: str
    review: str
    status: str
    overdue: bool
    notes: str
    hold_ids: list[int]
    created_by: str
    created: str


class EvidenceHoldIn(BaseModel):
    camera_id: int
    start: str
    end: str
    reason: str = Field(max_length=2000)
    reference: str = Field(default="", max_length=200)
    case_id: int | None = None
    source: Literal["timeline", "alarm", "tracking"] = "timeline"
    source_ref: str = Field(default="", max_length=200, description="alarm or tracking incident id")


class ReleaseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class EvidenceHoldOut(BaseModel):
    id: int
    camera_id: int
    start: str
    end: str
    reason: str
    reference: str
    case_id: int | None
    source: str
    created_by: str
    created: str
    released: str | None
    released_by: str | None
    release_reason: str | None


class RedactionIn(BaseModel):
    x: int = Field(ge=0)
    y: int = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)


class ExportIn(BaseModel):
    camera_ids: list[int] = Field(min_length=1, max_length=64)
    start: str
    end: str
    justification: str = Field(min_length=1, max_length=5000)
    reference: str = Field(default="", max_length=200)
    case_id: int | None = None
    working_copy: bool = False
    redactions: list[RedactionIn] = Field(default_factory=list, max_length=32)


class WorkingCopyIn(BaseModel):
    exhibit_id: str = Field(min_length=1, max_length=40, description="the master to derive from (an exhibit id)")
    justification: str = Field(min_length=1, max_length=5000, description="why a working copy is needed")
    redactions: list[RedactionIn] = Field(default_factory=list, max_length=32)


class ExhibitOut(BaseModel):
    id: str
    kind: str
    camera_id: int
    path: str
    sha256: str
    size_bytes: int
    start: str
    end: str
    derived_from: str | None
    steps: list[dict[str, object]]


class ExportOut(BaseModel):
    id: str
    state: str
    progress: float
    error: str
    camera_ids: list[int]
    start: str
    end: str
    justification: str
    reference: str
    case_id: int | None
    created_by: str
    created: str
    finished: str | None
    manifest_sha256: str
    exhibits: list[ExhibitOut] = Field(default_factory=list)


class DeliveryIn(BaseModel):
    recipient: str = Field(min_length=1, max_length=200, description="user name of the only person who may use it")
    reason: str = Field(min_length=1, max_length=2000)
    expires_s: float = Field(default=7 * 86_400, gt=0, le=30 * 86_400)


class DeliveryOut(BaseModel):
    id: int
    url: str
    token: str
    recipient: str
    expires: str


class DisclosureOut(BaseModel):
    id: int
    export_id: str
    recipient: str
    reason: str
    disclosed_by: str
    disclosed: str
    reference: str
    manifest_sha256: str
    via_link: bool


class PublicKeyOut(BaseModel):
    key_id: str
    public_key_pem: str
    created: str
    retired: str | None
    current: bool

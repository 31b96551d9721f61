"""Tables of organisations, people, permissions, sharing agreements and the audit log.

Times are integer microseconds since the epoch, UTC, like every other table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from citywatch.store.models import Base

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CameraGroup",
    "CameraGroupMember",
    "Justification",
    "Organisation",
    "PermissionRule",
    "SharingAgreement",
    "Site",
    "User",
]


class Organisation(Base):
    """The council, the police, or a partner (shopping centre, football club, hospital)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # council | police | partner
    created_us: Mapped[int] = mapped_column(BigInteger)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")


class CameraGroup(Base):
    __tablename__ = "camera_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class CameraGroupMember(Base):
    __tablename__ = "camera_group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("camera_groups.id", ondelete="CASCADE"), primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)


class User(Base):
    """A named person in one organisation; no shared accounts."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)  # refuses a code's replay
    mfa_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until_us: Mapped[int | None] = mapped_column(BigInteger)
    signin_hours: Mapped[str | None] = mapped_column(String(32))  # "HH:MM-HH:MM", Europe/London
    created_us: Mapped[int] = mapped_column(BigInteger)
    last_login_us: Mapped[int | None] = mapped_column(BigInteger)


class ApiToken(Base):
    """A long-lived bearer token for an integration; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_us: Mapped[int] = mapped_column(BigInteger)
    expires_us: Mapped[int | None] = mapped_column(BigInteger)
    revoked_us: Mapped[int | None] = mapped_column(BigInteger)
    last_used_us: Mapped[int | None] = mapped_column(BigInteger)


class PermissionRule(Base):
    """One allow or deny of an action for a role (within an organisation) or a user, on a target.

    ``target_kind``: ``all`` (every camera the subject can reach), ``camera``, ``group`` or
    ``organisation`` (cameras it owns). Deny beats allow. ``playback_days`` limits playback to the
    last N days; ``hours`` (``HH:MM-HH:MM``, Europe/London) limits when the rule applies.
    """

    __tablename__ = "permission_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str | None] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    effect: Mapped[str] = mapped_column(String(8))  # allow | deny
    playback_days: Mapped[float | None] = mapped_column(Float)
    hours: Mapped[str | None] = mapped_column(String(32))
    created_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(200))


class SharingAgreement(Base):
    """Owner organisation lets a recipient use some cameras: rights, condition, period, DSA reference."""

    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    camera_ids: Mapped[list[int] | None] = mapped_column(JSON)  # None: every camera the owner has
    group_ids: Mapped[list[int] | None] = mapped_column(JSON)
    rights: Mapped[list[str]] = mapped_column(JSON)  # live, recorded, ptz
    condition: Mapped[str] = mapped_column(String(16))  # always | incident | alarm
    incident_until_us: Mapped[int | None] = mapped_column(BigInteger)
    starts_us: Mapped[int] = mapped_column(BigInteger)
    expires_us: Mapped[int | None] = mapped_column(BigInteger)
    dsa_reference: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_us: Mapped[int] = mapped_column(BigInteger)
    revoked_us: Mapped[int | None] = mapped_column(BigInteger)
    expiry_audited: Mapped[bool] = mapped_column(Boolean, default=False)


class Justification(Base):
    """A police user's stated reason and reference for a session (and camera, or all cameras)."""

    __tablename__ = "justifications"
    __table_args__ = (Index("ix_justifications_session", "session_id", "camera_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)
    camera_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(100))
    created_us: Mapped[int] = mapped_column(BigInteger)


class AuditEntry(Base):
    """One append-only, hash-chained audit record (see access/audit.py for the chain)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_at", "at_us"),
        Index("ix_audit_camera", "camera_id", "at_us"),
        Index("ix_audit_user", "username", "at_us"),
        Index(  # the sign-in throttle (access/throttle.py, migration 0021)
            "ix_audit_login_failed",
            "client",
            "at_us",
            postgresql_where=text("action = 'auth.login_failed'"),
            sqlite_where=text("action = 'auth.login_failed'"),
        ),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at_us: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(48))
    outcome: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(32))
    client: Mapped[str | None] = mapped_column(String(64))
    camera_id: Mapped[int | None] = mapped_column(Integer)
    camera_org_id: Mapped[int | None] = mapped_column(Integer)
    start_us: Mapped[int | None] = mapped_column(BigInteger)
    end_us: Mapped[int | None] = mapped_column(BigInteger)
    justification: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

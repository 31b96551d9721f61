"""Table definitions. Times are integer microseconds since the Unix epoch, UTC (``*_us``).

Integers rather than DATETIME so that SQLite and PostgreSQL index and compare them the same way
and nothing is ever converted through a local zone.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "WIDE_ID",
    "Alarm",
    "Base",
    "Bookmark",
    "Camera",
    "CameraLease",
    "CameraStatus",
    "Deletion",
    "Gap",
    "Garbage",
    "Hold",
    "Motion",
    "Node",
    "Recording",
    "RecordingEvent",
    "UserSession",
]


class Base(DeclarativeBase):
    pass


# 64-bit ids where 32 bits would run out (recordings, tracker positions); SQLite's INTEGER is 64-bit already,
# and only INTEGER there makes an auto-numbered row id.
WIDE_ID = BigInteger().with_variant(Integer, "sqlite")


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    rtsp_url: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str | None] = mapped_column(String(200))
    password_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    onvif_url: Mapped[str | None] = mapped_column(String(1000))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    bearing_deg: Mapped[float | None] = mapped_column(Float)
    fov_deg: Mapped[float | None] = mapped_column(Float)
    range_m: Mapped[float | None] = mapped_column(Float)
    ptz: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_days: Mapped[float | None] = mapped_column(Float)
    quota_bytes: Mapped[int | None] = mapped_column(BigInteger)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Motion detection for this camera (migration 0022); min area None: the installation's setting.
    motion: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    motion_min_area: Mapped[float | None] = mapped_column(Float)
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)
    # The owning organisation (access/models.py); None: the network operator's (the council).
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Recording(Base):
    """One media file of about a minute: an init segment, then one fragment per GOP.

    ``gop_index`` holds, per GOP, varints (fragment bytes, media duration in 90 kHz units, frames);
    offsets and wall-clock times follow from ``init_bytes``, ``start_us`` and ``rate_ppm``
    (see docs/design/recording.md).
    """

    __tablename__ = "recordings"
    __table_args__ = (
        Index("ix_recordings_camera_start", "camera_id", "start_us"),
        Index("ix_recordings_camera_end", "camera_id", "end_us"),
        Index("ix_recordings_camera_span", "camera_id", "start_us", "end_us", "run_id"),  # timeline, covering
    )

    id: Mapped[int] = mapped_column(WIDE_ID, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    run_seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # writing | closed
    media_dir: Mapped[str] = mapped_column(String(1000))
    path: Mapped[str] = mapped_column(String(1000))  # relative to media_dir
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    media_start_90k: Mapped[int] = mapped_column(BigInteger)
    duration_90k: Mapped[int] = mapped_column(BigInteger)
    rate_ppm: Mapped[float] = mapped_column(Float, default=0.0)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    init_bytes: Mapped[int] = mapped_column(Integer)
    frames: Mapped[int] = mapped_column(Integer)
    gops: Mapped[int] = mapped_column(Integer)
    gop_index: Mapped[bytes] = mapped_column(LargeBinary)
    codec: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    recovered: Mapped[bool] = mapped_column(Boolean, default=False)
    node: Mapped[str] = mapped_column(String(100), default="local")


class Gap(Base):
    """A stretch of time with no footage, and why. ``end_us`` is NULL while it lasts."""

    __tablename__ = "gaps"
    __table_args__ = (Index("ix_gaps_camera_start", "camera_id", "start_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))  # camera_offline | recorder_down | disk_full | …
    detail: Mapped[str] = mapped_column(Text, default="")


class CameraStatus(Base):
    __tablename__ = "camera_status"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # connecting | online | offline | disabled
    since_us: Mapped[int] = mapped_column(BigInteger)
    last_frame_us: Mapped[int | None] = mapped_column(BigInteger)
    bitrate_kbps: Mapped[float] = mapped_column(Float, default=0.0)
    fps: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    node: Mapped[str] = mapped_column(String(100), default="local")
    updated_us: Mapped[int] = mapped_column(BigInteger)


class Alarm(Base):
    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_open", "cleared_us", "raised_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # camera_offline | disk_low | …
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    raised_us: Mapped[int] = mapped_column(BigInteger)
    cleared_us: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))


class Hold(Base):
    """Media a retention or clean-up job must never delete."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_camera", "camera_id", "start_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_us: Mapped[int] = mapped_column(BigInteger)
    released_us: Mapped[int | None] = mapped_column(BigInteger)
    released_by: Mapped[str | None] = mapped_column(String(200))
    release_reason: Mapped[str | None] = mapped_column(Text)


class Deletion(Base):
    """The log of every recording removed, and why (retention, quota, disk floor, repair)."""

    __tablename__ = "deletions"
    __table_args__ = (  # migration 0016: the partners' meters read deletions by camera and time
        Index("ix_deletions_camera_start", "camera_id", "start_us"),
        Index("ix_deletions_camera_deleted", "camera_id", "deleted_us"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(Integer, index=True)
    recording_id: Mapped[int] = mapped_column(WIDE_ID)
    path: Mapped[str] = mapped_column(String(1000))
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    deleted_us: Mapped[int] = mapped_column(BigInteger)


class Garbage(Base):
    """Files whose rows are gone but whose unlink is not yet known durable (crash-safe delete)."""

    __tablename__ = "garbage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_dir: Mapped[str] = mapped_column(String(1000))
    path: Mapped[str] = mapped_column(String(1000))
    added_us: Mapped[int] = mapped_column(BigInteger)
    node: Mapped[str] = mapped_column(String(100), default="local")  # whose disk holds the file


class Node(Base):
    """A recorder node of a fleet: its heartbeat, where its media server listens, what it holds."""

    __tablename__ = "nodes"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(String(300), default="")  # the node's media server, for the API
    started_us: Mapped[int] = mapped_column(BigInteger)
    heartbeat_us: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="up")  # up | draining | down
    version: Mapped[str] = mapped_column(String(40), default="")
    cameras: Mapped[int] = mapped_column(Integer, default=0)
    bitrate_kbps: Mapped[float] = mapped_column(Float, default=0.0)
    free_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    media_dirs: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of absolute paths
    errors: Mapped[int] = mapped_column(Integer, default=0)


class CameraLease(Base):
    """Which node records a camera, until when. ``epoch`` grows at every change of holder: the
    fencing token that index writes are checked against, so a node that lost its lease cannot write."""

    __tablename__ = "camera_leases"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    node: Mapped[str | None] = mapped_column(String(100), index=True)  # None: free to take
    epoch: Mapped[int] = mapped_column(BigInteger, default=0)
    acquired_us: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_us: Mapped[int] = mapped_column(BigInteger, default=0)


class RecordingEvent(Base):
    """The recorder's decisions an operator may need to explain later (start-up repairs, adoptions, …)."""

    __tablename__ = "recording_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at_us: Mapped[int] = mapped_column(BigInteger, index=True)
    camera_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)


class UserSession(Base):
    """A signed-in session; only the SHA-256 of its bearer token is stored (see access/sessions.py)."""

    __tablename__ = "sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(200))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_us: Mapped[int] = mapped_column(BigInteger)
    last_seen_us: Mapped[int] = mapped_column(BigInteger)
    expires_us: Mapped[int] = mapped_column(BigInteger, index=True)  # absolute expiry
    revoked_us: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    mfa_pending: Mapped[bool] = mapped_column(Boolean, default=False)  # only MFA enrolment allowed yet


class Bookmark(Base):
    """A user's named instant (``end_us`` None) or range on a camera's recordings, with a note (migration 0019)."""

    __tablename__ = "bookmarks"
    __table_args__ = (Index("ix_bookmarks_camera_start", "camera_id", "start_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))  # username
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_us: Mapped[int] = mapped_column(BigInteger)


# The timeline reads a camera's alarms cleared after (or still open at) the start of its range (migration 0019).
Index("ix_alarms_camera_cleared", Alarm.camera_id, Alarm.cleared_us, Alarm.raised_us)


class Motion(Base):
    """A motion event of a camera found on its keyframes (video/motion.py; migration 0020); open while it lasts."""

    __tablename__ = "motion"
    __table_args__ = (
        Index("ix_motion_camera_start", "camera_id", "start_us"),
        Index(
            "ix_motion_open",
            "start_us",
            "camera_id",
            postgresql_where=text("end_us IS NULL"),
            sqlite_where=text("end_us IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(WIDE_ID, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int | None] = mapped_column(BigInteger)
    peak: Mapped[float] = mapped_column(Float)  # largest fraction of the picture seen changing
    node: Mapped[str] = mapped_column(String(100))

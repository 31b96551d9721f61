"""Request and response bodies (pydantic). Times are ISO 8601 UTC strings with a Z."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = [
    "AlarmOut",
    "CameraIn",
    "CameraOut",
    "CameraStatusOut",
    "GapOut",
    "Health",
    "HoldIn",
    "HoldOut",
    "HoldRelease",
    "LoginIn",
    "LoginOut",
    "MotionOut",
    "SpanOut",
    "TimelineOut",
    "UserOut",
]


class Health(BaseModel):
    status: str
    version: str
    signin_notice: str = ""
    oidc_label: str | None = Field(default=None, description="identity-provider sign-in button, when configured")
    stale_nodes: int = Field(default=0, description="recorder nodes whose heartbeat is overdue (names: /metrics)")


class LoginIn(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    totp: str | None = Field(default=None, max_length=16)


class UserOut(BaseModel):
    username: str
    role: str
    organisation: str
    display_name: str = ""
    organisation_id: int | None = None
    mfa_enrolment_required: bool = False
    rights: list[str] = Field(default_factory=list, description="actions allowed outside cameras")
    csrf_token: str | None = Field(default=None, description="for cookie sessions, from /auth/me")


class LoginOut(BaseModel):
    token: str
    csrf_token: str
    user: UserOut
    expires_at: str


class CameraStatusOut(BaseModel):
    state: str
    since: str
    last_frame: str | None
    bitrate_kbps: float
    fps: float
    error: str
    motion_since: str | None = None  # the recorder sees motion now, since then (docs/design/motion.md)


class CameraBase(BaseModel):
    name: str = Field(max_length=200)
    rtsp_url: str = Field(max_length=1000)
    onvif_url: str | None = Field(default=None, max_length=1000)
    latitude: float | None = None
    longitude: float | None = None
    bearing_deg: float | None = None
    fov_deg: float | None = None
    range_m: float | None = None
    ptz: bool = False
    enabled: bool = True
    retention_days: float | None = Field(default=None, gt=0)
    motion: bool = Field(default=True, description="detect motion on this camera's keyframes")
    motion_min_area: float | None = Field(
        default=None, gt=0, le=1, description="share of the picture that must change; null: the installation's"
    )


class CameraIn(CameraBase):
    rtsp_url: str = Field(
        default="", max_length=1000, description="may be left empty when onvif_url is given: read from the device"
    )
    username: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, max_length=200)


class CameraOut(CameraBase):
    id: int
    organisation_id: int | None = None
    rights: list[str] = Field(default_factory=list, description="what the caller may do on this camera")
    status: CameraStatusOut | None


class SpanOut(BaseModel):
    start: str
    end: str
    node: str = "local"  # the recorder node holding the footage
    available: bool = True  # False: that node is down; the footage is unavailable, not missing


class GapOut(BaseModel):
    start: str
    end: str | None
    reason: str
    detail: str


class AlarmMarkOut(BaseModel):
    id: int
    kind: str
    raised: str
    cleared: str | None  # None while raised
    message: str


class BookmarkIn(BaseModel):
    start: str
    end: str | None = None  # None: an instant
    name: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=4000)


class BookmarkOut(BaseModel):
    id: int
    camera_id: int
    start: str
    end: str | None
    name: str
    note: str
    created_by: str
    created: str


class MotionOut(BaseModel):
    start: str
    end: str | None  # None while the motion lasts
    peak: float  # largest fraction of the picture seen changing (0–1)


class TimelineOut(BaseModel):
    camera_id: int
    start: str
    end: str
    spans: list[SpanOut]
    gaps: list[GapOut]
    alarms: list[AlarmMarkOut] = []  # only for those who may see alarms
    bookmarks: list[BookmarkOut] = []
    motion: list[MotionOut] = []  # found on keyframes by the recorder (video/motion.py)


class AlarmOut(BaseModel):
    id: int
    kind: str
    camera_id: int | None
    raised: str
    cleared: str | None
    message: str


class HoldIn(BaseModel):
    camera_id: int
    start: str
    end: str
    reason: str = Field(max_length=2000)
    reference: str = Field(default="", max_length=200)


class HoldRelease(BaseModel):
    reason: str = Field(max_length=2000)


class HoldOut(BaseModel):
    id: int
    camera_id: int
    start: str
    end: str
    reason: str
    reference: str
    created_by: str
    created: str
    released: str | None
    released_by: str | None
    release_reason: str | None

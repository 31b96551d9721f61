"""Camera configuration: the use cases behind ``citywatch camera …`` and ``/api/v1/cameras``.

Camera URLs are checked before they are stored: only ``rtsp``/``rtsps``, no credentials inside
the URL (they go in the encrypted fields), and the host must resolve into an allowed network, so
that a camera entry cannot be used to make the recorder probe internal services.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.secrets_box import SecretBox
from citywatch.store.models import Camera
from citywatch.timeutil import now_us

__all__ = ["CameraError", "CameraInput", "CameraNotFound", "CameraService", "validate_camera_url"]


class CameraError(ValueError):
    """A camera entry the user must correct."""


class CameraNotFound(LookupError):
    pass


@dataclass(slots=True)
class CameraInput:
    name: str
    rtsp_url: str
    username: str | None = None
    password: str | None = None
    onvif_url: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    bearing_deg: float | None = None
    fov_deg: float | None = None
    range_m: float | None = None
    ptz: bool = False
    retention_days: float | None = None
    quota_bytes: int | None = None
    enabled: bool = True
    motion: bool = True
    motion_min_area: float | None = None


def validate_camera_url(url: str, allowed_networks: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("rtsp", "rtsps"):
        raise CameraError(f"camera URL must start with rtsp:// or rtsps://, not {parts.scheme or 'nothing'}://")
    if parts.username or parts.password:
        raise CameraError("put camera credentials in the username/password fields, not inside the URL")
    if not parts.hostname:
        raise CameraError(f"camera URL {url!r} has no host")
    networks = [ipaddress.ip_network(n) for n in allowed_networks]
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 554, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise CameraError(f"camera host {parts.hostname!r} does not resolve: {exc.strerror}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not any(address in n for n in networks):
            raise CameraError(
                f"camera host {parts.hostname} ({address}) is outside the allowed camera networks "
                f"({', '.join(allowed_networks)}); an administrator can extend camera_allowed_networks"
            )


def url_with_credentials(url: str, username: str | None, password: str | None) -> str:
    if not username:
        return url
    parts = urlsplit(url)
    auth = quote(username, safe="") + (":" + quote(password, safe="") if password else "")
    netloc = f"{auth}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class CameraService:
    def __init__(self, sessions: sessionmaker[Session], secrets: SecretBox, allowed_networks: list[str]) -> None:
        self._sessions = sessions
        self._secrets = secrets
        self._allowed = allowed_networks

    def _check(self, data: CameraInput) -> None:
        if not data.name.strip():
            raise CameraError("camera name must not be empty")
        validate_camera_url(data.rtsp_url, self._allowed)
        if data.bearing_deg is not None and not 0 <= data.bearing_deg < 360:
            raise CameraError(f"bearing_deg must be in [0, 360), got {data.bearing_deg}")
        if data.latitude is not None and not -90 <= data.latitude <= 90:
            raise CameraError(f"latitude must be in [-90, 90], got {data.latitude}")
        if data.longitude is not None and not -180 <= data.longitude <= 180:
            raise CameraError(f"longitude must be in [-180, 180], got {data.longitude}")

    def add(self, data: CameraInput) -> Camera:
        self._check(data)
        now = now_us()
        with self._sessions.begin() as session:
            if session.scalar(select(Camera.id).where(Camera.name == data.name)) is not None:
                raise CameraError(f"a camera named {data.name!r} already exists")
            camera = Camera(created_us=now, updated_us=now)
            self._apply(camera, data)
            session.add(camera)
            session.flush()
            return camera

    def update(self, camera_id: int, data: CameraInput) -> Camera:
        self._check(data)
        with self._sessions.begin() as session:
            camera = session.get(Camera, camera_id)
            if camera is None:
                raise CameraNotFound(f"no camera {camera_id}")
            clash = session.scalar(select(Camera.id).where(Camera.name == data.name, Camera.id != camera_id))
            if clash is not None:
                raise CameraError(f"a camera named {data.name!r} already exists")
            keep_password = camera.password_enc if data.password is None else None
            self._apply(camera, data)
            if keep_password is not None and data.username:
                camera.password_enc = keep_password
            camera.updated_us = now_us()
            return camera

    def _apply(self, camera: Camera, data: CameraInput) -> None:
        camera.name = data.name.strip()
        camera.rtsp_url = data.rtsp_url
        camera.username = data.username
        camera.password_enc = self._secrets.encrypt(data.password) if data.password else None
        for field in (
            "onvif_url",
            "latitude",
            "longitude",
            "bearing_deg",
            "fov_deg",
            "range_m",
            "ptz",
            "retention_days",
            "quota_bytes",
            "enabled",
            "motion",
            "motion_min_area",
        ):
            setattr(camera, field, getattr(data, field))

    def remove(self, camera_id: int) -> None:
        """Disable rather than delete when footage exists: recordings must stay attributable."""
        from citywatch.store.models import Recording

        with self._sessions.begin() as session:
            camera = session.get(Camera, camera_id)
            if camera is None:
                raise CameraNotFound(f"no camera {camera_id}")
            has_footage = session.scalar(select(func.count(Recording.id)).where(Recording.camera_id == camera_id))
            if has_footage:
                camera.enabled = False
                camera.updated_us = now_us()
            else:
                session.delete(camera)

    def get(self, camera_id: int) -> Camera:
        with self._sessions() as session:
            camera = session.get(Camera, camera_id)
            if camera is None:
                raise CameraNotFound(f"no camera {camera_id}")
            return camera

    def list(self) -> list[Camera]:
        with self._sessions() as session:
            return list(session.scalars(select(Camera).order_by(Camera.id)))

    def connect_url(self, camera: Camera) -> str:
        """The URL the recorder dials, credentials included: never log it."""
        password = self._secrets.decrypt(camera.password_enc) if camera.password_enc else None
        return url_with_credentials(camera.rtsp_url, camera.username, password)

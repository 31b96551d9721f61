"""``OnvifCameraControl``: one camera's PTZ over ONVIF (onvif-zeep-async), probed, never assumed.

One instance per camera, kept and reused: the SOAP clients are built once (WSDLs parsed, XAddrs found), and a
connection error drops them so the next call reconnects. Every library error becomes a ``PtzError`` naming the
camera; URLs are logged without credentials.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from citywatch.ptz.errors import PtzError, PtzUnavailable, PtzUnsupported
from citywatch.ptz.model import (
    DeviceInfo,
    Position,
    Preset,
    ProbeResult,
    PtzCapabilities,
    PtzStatus,
    Velocity,
    clamp,
)
from citywatch.timeutil import to_us

__all__ = ["OnvifAddress", "OnvifCameraControl", "parse_onvif_url"]

log = logging.getLogger(__name__)
T = TypeVar("T")
CALL_TIMEOUT_S = 5.0
_DURATION = re.compile(r"PT(?:([\d.]+)H)?(?:([\d.]+)M)?(?:([\d.]+)S)?")


@dataclass(frozen=True, slots=True)
class OnvifAddress:
    host: str
    port: int
    username: str | None
    password: str | None


def parse_onvif_url(url: str, username: str | None = None, password: str | None = None) -> OnvifAddress:
    """``http(s)://[user:pass@]host[:port]/onvif/device_service``; credentials in the URL win over the fields."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PtzError(f"an ONVIF address looks like http://HOST:PORT/onvif/device_service, not {_safe(url)!r}")
    user = unquote(parts.username) if parts.username else username
    pwd = unquote(parts.password) if parts.password else password
    return OnvifAddress(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), user, pwd)


def _safe(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    return parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")).geturl()


def _seconds(value: Any) -> float | None:
    """An xs:duration as zeep gives it (timedelta) or as text (``PT5S``, ``PT0.5S``, ``PT1M``)."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    match = _DURATION.fullmatch(str(value or ""))
    if match is None:
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _position(raw: Any) -> Position | None:
    if raw is None:
        return None
    pan_tilt, zoom = getattr(raw, "PanTilt", None), getattr(raw, "Zoom", None)
    return Position(
        float(pan_tilt.x) if pan_tilt is not None else 0.0,
        float(pan_tilt.y) if pan_tilt is not None else 0.0,
        float(zoom.x) if zoom is not None else 0.0,
    )


def _vector(p: float, t: float, z: float) -> dict[str, Any]:
    return {"PanTilt": {"x": p, "y": t}, "Zoom": {"x": z}}


class OnvifCameraControl:
    def __init__(self, name: str, url: str, username: str | None = None, password: str | None = None) -> None:
        self._name = name
        self._address = parse_onvif_url(url, username, password)
        self._safe_url = _safe(url)
        self._lock = asyncio.Lock()
        self._camera: Any = None
        self._device: Any = None
        self._ptz: Any = None
        self._media: Any = None
        self._profile: str | None = None
        self._caps: PtzCapabilities | None = None

    @property
    def name(self) -> str:
        return self._name

    # --- connection ----------------------------------------------------------------------------
    async def _connect(self) -> None:
        from onvif import ONVIFCamera  # type: ignore[import-untyped]  # imported late: it configures logging

        a = self._address
        camera = ONVIFCamera(a.host, a.port, a.username, a.password, no_cache=True, adjust_time=True)
        try:
            await camera.update_xaddrs()
            self._device = await camera.create_devicemgmt_service()
            media = await camera.create_media_service()
            profiles = await media.GetProfiles()
            if not profiles:
                raise PtzUnsupported(f"camera {self._name}: the ONVIF device has no media profile")
            with_ptz = [p for p in profiles if getattr(p, "PTZConfiguration", None) is not None]
            self._profile = str((with_ptz or profiles)[0].token)
            self._media, self._camera = media, camera
            self._ptz = await camera.create_ptz_service() if with_ptz else None
        except BaseException:
            await camera.close()
            raise

    async def _call(self, what: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Connect if needed, run ``fn`` with a timeout, translate the library's errors."""
        import aiohttp
        import zeep.exceptions
        from onvif.exceptions import ONVIFAuthError, ONVIFError  # type: ignore[import-untyped]

        try:
            async with self._lock:
                if self._camera is None:
                    await asyncio.wait_for(self._connect(), CALL_TIMEOUT_S * 2)
            return await asyncio.wait_for(fn(), CALL_TIMEOUT_S)
        except PtzError:
            raise
        except ONVIFAuthError as exc:
            await self._drop()
            raise PtzUnavailable(f"camera {self._name}: the ONVIF device refused the username or password") from exc
        except zeep.exceptions.Fault as exc:
            reason = exc.message or (exc.subcodes and str(exc.subcodes[-1])) or "fault"
            if "NotAuthorized" in str(exc.subcodes or "") or "not authorized" in str(reason).lower():
                await self._drop()
                raise PtzUnavailable(f"camera {self._name}: the ONVIF device refused the username or password") from exc
            raise PtzError(f"camera {self._name}: {what} refused by the camera: {reason}") from exc
        except (TimeoutError, aiohttp.ClientError, ONVIFError, OSError, zeep.exceptions.Error) as exc:
            await self._drop()
            raise PtzUnavailable(
                f"camera {self._name}: no ONVIF answer to {what} from {self._safe_url} ({type(exc).__name__}: {exc})"
            ) from exc

    async def _drop(self) -> None:
        camera, self._camera, self._ptz, self._media, self._caps = self._camera, None, None, None, None
        if camera is not None:
            try:
                await camera.close()
            except Exception as exc:  # closing a broken connection must not hide the first error
                log.debug("closing ONVIF client of camera %s: %s", self._name, exc)

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    def _need_ptz(self) -> Any:
        if self._ptz is None:
            raise PtzUnsupported(f"camera {self._name} has no PTZ (its ONVIF profile has no PTZ configuration)")
        return self._ptz

    def _token(self) -> str:
        assert self._profile is not None
        return self._profile

    # --- probing -------------------------------------------------------------------------------
    async def probe(self) -> ProbeResult:
        async def run() -> ProbeResult:
            info = await self._device.GetDeviceInformation()
            setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
            stream = await self._media.GetStreamUri({"StreamSetup": setup, "ProfileToken": self._token()})
            try:
                snapshot: str | None = str((await self._media.GetSnapshotUri({"ProfileToken": self._token()})).Uri)
            except Exception:  # optional on the device: absent is an answer, not an error
                snapshot = None
            profiles = await self._media.GetProfiles()
            profile = next(p for p in profiles if str(p.token) == self._token())
            caps = await self._capabilities() if self._ptz is not None else None
            presets = await self._presets() if caps is not None and caps.presets else []
            return ProbeResult(
                DeviceInfo(str(info.Manufacturer), str(info.Model), str(info.FirmwareVersion), str(info.SerialNumber)),
                self._token(),
                str(getattr(profile, "Name", "") or self._token()),
                str(stream.Uri),
                snapshot,
                caps,
                presets,
            )

        return await self._call("probe", run)

    async def _capabilities(self) -> PtzCapabilities:
        if self._caps is None:
            ptz = self._need_ptz()
            nodes = await ptz.GetNodes()
            if not nodes:
                raise PtzUnsupported(f"camera {self._name}: the PTZ service lists no node")
            node = nodes[0]
            spaces = node.SupportedPTZSpaces
            configs = await ptz.GetConfigurations()
            timeout = _seconds(getattr(configs[0], "DefaultPTZTimeout", None)) if configs else None
            max_presets = int(getattr(node, "MaximumNumberOfPresets", 0) or 0)
            self._caps = PtzCapabilities(
                continuous=bool(getattr(spaces, "ContinuousPanTiltVelocitySpace", None)),
                absolute=bool(getattr(spaces, "AbsolutePanTiltPositionSpace", None)),
                relative=bool(getattr(spaces, "RelativePanTiltTranslationSpace", None)),
                presets=max_presets > 0,
                max_presets=max_presets,
                home=bool(getattr(node, "HomeSupported", False)),
                default_timeout_s=timeout,
            )
        return self._caps

    async def capabilities(self) -> PtzCapabilities:
        return await self._call("GetNodes", self._capabilities)

    # --- movement ------------------------------------------------------------------------------
    async def continuous_move(self, velocity: Velocity, timeout_s: float) -> None:
        v = velocity.clamped()
        request = {
            "ProfileToken": None,
            "Velocity": _vector(v.pan, v.tilt, v.zoom),
            "Timeout": dt.timedelta(seconds=clamp(timeout_s, 0.1, 60.0)),
        }
        await self._ptz_call("ContinuousMove", request)

    async def stop(self) -> None:
        await self._ptz_call("Stop", {"ProfileToken": None, "PanTilt": True, "Zoom": True})

    async def absolute_move(self, position: Position, speed: float | None = None) -> None:
        p = position.clamped()
        request: dict[str, Any] = {"ProfileToken": None, "Position": _vector(p.pan, p.tilt, p.zoom)}
        if speed is not None:
            s = clamp(speed, 0.0, 1.0)
            request["Speed"] = _vector(s, s, s)
        await self._ptz_call("AbsoluteMove", request)

    async def relative_move(self, translation: Position) -> None:
        t = translation
        request = {
            "ProfileToken": None,
            "Translation": _vector(clamp(t.pan, -2, 2), clamp(t.tilt, -2, 2), clamp(t.zoom, -1, 1)),
        }
        await self._ptz_call("RelativeMove", request)

    async def goto_home(self) -> None:
        await self._ptz_call("GotoHomePosition", {"ProfileToken": None})

    async def _ptz_call(self, operation: str, request: dict[str, Any]) -> Any:
        async def run() -> Any:
            ptz = self._need_ptz()
            return await getattr(ptz, operation)({**request, "ProfileToken": self._token()})

        return await self._call(operation, run)

    async def status(self) -> PtzStatus:
        raw = await self._ptz_call("GetStatus", {})
        move = getattr(raw, "MoveStatus", None)
        moving = (
            any(str(getattr(move, axis, "IDLE") or "IDLE").upper() == "MOVING" for axis in ("PanTilt", "Zoom"))
            if move is not None
            else False
        )
        utc = getattr(raw, "UtcTime", None)
        utc_us = to_us(utc) if isinstance(utc, dt.datetime) and utc.tzinfo is not None else None
        return PtzStatus(_position(getattr(raw, "Position", None)) or Position(), moving, utc_us)

    # --- presets -------------------------------------------------------------------------------
    async def _presets(self) -> list[Preset]:
        raw = await self._need_ptz().GetPresets({"ProfileToken": self._token()})
        return [
            Preset(str(p.token), str(getattr(p, "Name", "") or p.token), _position(getattr(p, "PTZPosition", None)))
            for p in raw or []
        ]

    async def presets(self) -> list[Preset]:
        return await self._call("GetPresets", self._presets)

    async def goto_preset(self, token: str) -> None:
        await self._ptz_call("GotoPreset", {"PresetToken": token})

    async def set_preset(self, name: str, token: str | None = None) -> str:
        request: dict[str, Any] = {"PresetName": name}
        if token is not None:
            request["PresetToken"] = token
        return str(await self._ptz_call("SetPreset", request))

    async def remove_preset(self, token: str) -> None:
        await self._ptz_call("RemovePreset", {"PresetToken": token})

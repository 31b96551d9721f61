"""PTZ service operations over ``PtzMotion``, in ONVIF's generic spaces only.

One node, one configuration, one profile. Vectors naming another space are refused with
``ter:SpaceNotSupported``; values outside the space with ``ter:InvalidPosition`` (and friends).
Presets are kept in memory (up to ``MAX_PRESETS``); home is settable.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type stubs

from citywatch.sim.onvif._model import (
    NODE_TOKEN,
    PTZ_CONFIG_TOKEN,
    DeviceState,
    Operation,
    check_profile,
)
from citywatch.sim.onvif._soap import Element, SoapFault, child, fill, q, sub, text_of
from citywatch.sim.ptz_motion import PtzPosition, PtzSpeed

__all__ = ["MAX_PRESETS", "PTZ_OPERATIONS", "SPACES", "parse_duration_s", "ptz_configuration"]

MAX_PRESETS = 64
DEFAULT_TIMEOUT_S = 10.0
_BASE = "http://www.onvif.org/ver10/tptz/"
SPACES = {
    "AbsolutePanTiltPositionSpace": (_BASE + "PanTiltSpaces/PositionGenericSpace", (-1, 1), (-1, 1)),
    "AbsoluteZoomPositionSpace": (_BASE + "ZoomSpaces/PositionGenericSpace", (0, 1), None),
    "RelativePanTiltTranslationSpace": (_BASE + "PanTiltSpaces/TranslationGenericSpace", (-1, 1), (-1, 1)),
    "RelativeZoomTranslationSpace": (_BASE + "ZoomSpaces/TranslationGenericSpace", (-1, 1), None),
    "ContinuousPanTiltVelocitySpace": (_BASE + "PanTiltSpaces/VelocityGenericSpace", (-1, 1), (-1, 1)),
    "ContinuousZoomVelocitySpace": (_BASE + "ZoomSpaces/VelocityGenericSpace", (-1, 1), None),
    "PanTiltSpeedSpace": (_BASE + "PanTiltSpaces/GenericSpeedSpace", (0, 1), None),
    "ZoomSpeedSpace": (_BASE + "ZoomSpaces/ZoomGenericSpeedSpace", (0, 1), None),
}
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration_s(text: str) -> float:
    """xs:duration (days, hours, minutes, seconds only) in seconds."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT"):
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:InvalidTimeout"], f"unreadable duration {text!r}")
    d, h, m, s = (float(g) if g else 0.0 for g in match.groups())
    return ((d * 24 + h) * 60 + m) * 60 + s


def _space(parent: Element, tag: str, key: str) -> None:
    uri, x_range, y_range = SPACES[key]
    el = sub(parent, tag)
    sub(el, "tt:URI", uri)
    fill(sub(el, "tt:XRange"), ("tt:Min", str(float(x_range[0]))), ("tt:Max", str(float(x_range[1]))))
    if y_range is not None:
        fill(sub(el, "tt:YRange"), ("tt:Min", str(float(y_range[0]))), ("tt:Max", str(float(y_range[1]))))


def ptz_configuration(tag: str) -> Element:
    """The one PTZ configuration (the same for every virtual camera), as element ``tag``."""
    cfg = etree.Element(q(*tag.split(":")), {"token": PTZ_CONFIG_TOKEN})
    fill(cfg, ("tt:Name", "PTZ"), ("tt:UseCount", "1"), ("tt:NodeToken", NODE_TOKEN))
    for tag, key in (
        ("DefaultAbsolutePantTiltPositionSpace", "AbsolutePanTiltPositionSpace"),  # sic: the schema's spelling
        ("DefaultAbsoluteZoomPositionSpace", "AbsoluteZoomPositionSpace"),
        ("DefaultRelativePanTiltTranslationSpace", "RelativePanTiltTranslationSpace"),
        ("DefaultRelativeZoomTranslationSpace", "RelativeZoomTranslationSpace"),
        ("DefaultContinuousPanTiltVelocitySpace", "ContinuousPanTiltVelocitySpace"),
        ("DefaultContinuousZoomVelocitySpace", "ContinuousZoomVelocitySpace"),
    ):
        sub(cfg, f"tt:{tag}", SPACES[key][0])
    speed = sub(cfg, "tt:DefaultPTZSpeed")
    sub(speed, "tt:PanTilt", attrs={"x": "1.0", "y": "1.0", "space": SPACES["PanTiltSpeedSpace"][0]})
    sub(speed, "tt:Zoom", attrs={"x": "1.0", "space": SPACES["ZoomSpeedSpace"][0]})
    sub(cfg, "tt:DefaultPTZTimeout", f"PT{DEFAULT_TIMEOUT_S:g}S")
    _space(sub(cfg, "tt:PanTiltLimits"), "tt:Range", "AbsolutePanTiltPositionSpace")
    _space(sub(cfg, "tt:ZoomLimits"), "tt:Range", "AbsoluteZoomPositionSpace")
    return cfg


def _node(parent: Element, tag: str) -> None:
    node = sub(parent, tag, attrs={"token": NODE_TOKEN, "FixedHomePosition": "false"})
    sub(node, "tt:Name", "PTZ")
    spaces = sub(node, "tt:SupportedPTZSpaces")
    for key in SPACES:
        _space(spaces, f"tt:{key}", key)
    fill(node, ("tt:MaximumNumberOfPresets", str(MAX_PRESETS)), ("tt:HomeSupported", "true"))


def _vector(
    parent: Element | None, key_pt: str, key_z: str, fault: str
) -> tuple[tuple[float, float] | None, float | None]:
    """(pan/tilt or None, zoom or None) of a PTZVector/PTZSpeed, checked against its spaces."""
    if parent is None:
        return None, None

    def read(name: str, key: str, attrs: tuple[str, ...]) -> tuple[float, ...] | None:
        el = child(parent, name)
        if el is None:
            return None
        uri, x_range, y_range = SPACES[key]
        space = el.get("space")
        if space not in (None, uri):
            raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:SpaceNotSupported"], f"space {space} is not supported")
        try:
            values = tuple(float(el.get(a, "nan")) for a in attrs)
        except ValueError as exc:
            raise SoapFault("Sender", ["ter:InvalidArgVal", fault], f"{name}: {exc}") from exc
        ranges = (x_range, x_range if y_range is None else y_range)  # a 2-D speed: both in the 1-D speed space
        for value, rng in zip(values, ranges, strict=False):
            if math.isnan(value) or not rng[0] <= value <= rng[1]:
                raise SoapFault("Sender", ["ter:InvalidArgVal", fault], f"{name} {values} is outside the {key}")
        return values

    pt = read("PanTilt", key_pt, ("x", "y"))
    z = read("Zoom", key_z, ("x",))
    return (None if pt is None else (pt[0], pt[1])), (None if z is None else z[0])


def _speed(req: Element) -> PtzSpeed | None:
    pt, z = _vector(child(req, "Speed"), "PanTiltSpeedSpace", "ZoomSpeedSpace", "ter:InvalidSpeed")
    if pt is None and z is None:
        return None
    return PtzSpeed(pt[0] if pt else 1.0, pt[1] if pt else 1.0, 1.0 if z is None else z)


def _empty(name: str) -> Element:
    return etree.Element(q("tptz", name))


def _vector_el(parent: Element, tag: str, position: tuple[float, float, float]) -> None:
    vec = sub(parent, tag)
    pan, tilt, zoom = position
    pan_tilt_space, zoom_space = SPACES["AbsolutePanTiltPositionSpace"][0], SPACES["AbsoluteZoomPositionSpace"][0]
    sub(vec, "tt:PanTilt", attrs={"x": f"{pan:.6f}", "y": f"{tilt:.6f}", "space": pan_tilt_space})
    sub(vec, "tt:Zoom", attrs={"x": f"{zoom:.6f}", "space": zoom_space})


# --- operations -----------------------------------------------------------------------------
def get_nodes(_dev: DeviceState, _req: Element) -> Element:
    out = _empty("GetNodesResponse")
    _node(out, "tptz:PTZNode")
    return out


def get_node(_dev: DeviceState, req: Element) -> Element:
    if text_of(req, "NodeToken") != NODE_TOKEN:
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:NoEntity"], "no such PTZ node")
    out = _empty("GetNodeResponse")
    _node(out, "tptz:PTZNode")
    return out


def get_configurations(dev: DeviceState, _req: Element) -> Element:
    out = _empty("GetConfigurationsResponse")
    out.append(ptz_configuration("tptz:PTZConfiguration"))
    return out


def get_configuration(dev: DeviceState, req: Element) -> Element:
    if text_of(req, "PTZConfigurationToken") != PTZ_CONFIG_TOKEN:
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:NoConfig"], "no such PTZ configuration")
    out = _empty("GetConfigurationResponse")
    out.append(ptz_configuration("tptz:PTZConfiguration"))
    return out


def continuous_move(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    velocity = child(req, "Velocity")
    if velocity is None:
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:InvalidVelocity"], "Velocity is required")
    pt, z = _vector(velocity, "ContinuousPanTiltVelocitySpace", "ContinuousZoomVelocitySpace", "ter:InvalidVelocity")
    timeout = text_of(req, "Timeout")
    timeout_s = DEFAULT_TIMEOUT_S if timeout is None else parse_duration_s(timeout)
    if timeout_s <= 0:
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:TimeoutNotSupported"], "Timeout must be positive")
    speed = PtzSpeed(pt[0] if pt else 0.0, pt[1] if pt else 0.0, z or 0.0)
    dev.motion.continuous(speed, timeout_s, (pt is not None, pt is not None, z is not None))
    return _empty("ContinuousMoveResponse")


def absolute_move(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    pt, z = _vector(
        child(req, "Position"), "AbsolutePanTiltPositionSpace", "AbsoluteZoomPositionSpace", "ter:InvalidPosition"
    )
    speed = _speed(req)
    target = PtzPosition(pt[0] if pt else 0.0, pt[1] if pt else 0.0, z or 0.0)
    dev.motion.move_to(target, speed, (pt is not None, pt is not None, z is not None))
    return _empty("AbsoluteMoveResponse")


def relative_move(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    pt, z = _vector(
        child(req, "Translation"),
        "RelativePanTiltTranslationSpace",
        "RelativeZoomTranslationSpace",
        "ter:InvalidTranslation",
    )
    delta = PtzPosition(pt[0] if pt else 0.0, pt[1] if pt else 0.0, z or 0.0)
    dev.motion.move_by(delta, _speed(req), (pt is not None, pt is not None, z is not None))
    return _empty("RelativeMoveResponse")


def stop(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    pan_tilt, zoom = text_of(req, "PanTilt"), text_of(req, "Zoom")
    dev.motion.stop(pan_tilt != "false", zoom != "false")
    return _empty("StopResponse")


def get_status(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    t = dev.motion.now()
    here = dev.motion.position(t)
    pt_moving, zoom_moving = dev.motion.moving(t)
    out = _empty("GetStatusResponse")
    status = sub(out, "tptz:PTZStatus")
    _vector_el(status, "tt:Position", (here.pan, here.tilt, here.zoom))
    fill(
        sub(status, "tt:MoveStatus"),
        ("tt:PanTilt", "MOVING" if pt_moving else "IDLE"),
        ("tt:Zoom", "MOVING" if zoom_moving else "IDLE"),
    )
    sub(status, "tt:UtcTime", datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    return out


def get_presets(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    out = _empty("GetPresetsResponse")
    for token, (name, position) in sorted(dev.presets.items(), key=lambda kv: int(kv[0])):
        preset = sub(out, "tptz:Preset", attrs={"token": token})
        sub(preset, "tt:Name", name)
        _vector_el(preset, "tt:PTZPosition", position)
    return out


def set_preset(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    token, name = text_of(req, "PresetToken"), text_of(req, "PresetName")
    if token is not None and token not in dev.presets:
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:NoToken"], f"no preset {token!r} to overwrite")
    if name is not None and (not name or len(name) > 64):
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:InvalidPresetName"], "preset names are 1–64 characters")
    if name is not None and any(n == name and t != token for t, (n, _p) in dev.presets.items()):
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:PresetExist"], f"a preset is already called {name!r}")
    if token is None:
        if len(dev.presets) >= MAX_PRESETS:
            raise SoapFault("Receiver", ["ter:Action", "ter:TooManyPresets"], f"at most {MAX_PRESETS} presets")
        token = str(dev.next_preset)
        dev.next_preset += 1
    here = dev.motion.position()
    old_name = dev.presets[token][0] if token in dev.presets else f"Preset {token}"
    dev.presets[token] = (name or old_name, (here.pan, here.tilt, here.zoom))
    out = _empty("SetPresetResponse")
    sub(out, "tptz:PresetToken", token)
    return out


def _preset(dev: DeviceState, req: Element) -> tuple[str, tuple[float, float, float]]:
    check_profile(req)
    token = text_of(req, "PresetToken")
    if token is None or token not in dev.presets:
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:NoToken"], f"no preset {token!r}")
    return token, dev.presets[token][1]


def goto_preset(dev: DeviceState, req: Element) -> Element:
    _token, (pan, tilt, zoom) = _preset(dev, req)
    dev.motion.move_to(PtzPosition(pan, tilt, zoom), _speed(req), (True, True, True))
    return _empty("GotoPresetResponse")


def remove_preset(dev: DeviceState, req: Element) -> Element:
    token, _position = _preset(dev, req)
    del dev.presets[token]
    return _empty("RemovePresetResponse")


def goto_home_position(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    dev.motion.move_to(dev.motion.home, _speed(req), (True, True, True))
    return _empty("GotoHomePositionResponse")


def set_home_position(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    dev.motion.set_home(dev.motion.position())
    return _empty("SetHomePositionResponse")


def get_service_capabilities(_dev: DeviceState, _req: Element) -> Element:
    out = _empty("GetServiceCapabilitiesResponse")
    sub(out, "tptz:Capabilities", attrs={"EFlip": "false", "Reverse": "false", "GetCompatibleConfigurations": "false"})
    return out


PTZ_OPERATIONS: dict[str, Operation] = {
    "GetServiceCapabilities": get_service_capabilities,
    "GetNodes": get_nodes,
    "GetNode": get_node,
    "GetConfigurations": get_configurations,
    "GetConfiguration": get_configuration,
    "ContinuousMove": continuous_move,
    "AbsoluteMove": absolute_move,
    "RelativeMove": relative_move,
    "Stop": stop,
    "GetStatus": get_status,
    "GetPresets": get_presets,
    "SetPreset": set_preset,
    "GotoPreset": goto_preset,
    "RemovePreset": remove_preset,
    "GotoHomePosition": goto_home_position,
    "SetHomePosition": set_home_position,
}

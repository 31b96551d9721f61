"""Device management and media operations: who the device is, where its services and stream are."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type stubs

from citywatch.sim.onvif._model import (
    DEVICE_PATH,
    MEDIA_PATH,
    PROFILE_TOKEN,
    PTZ_PATH,
    SNAPSHOT_PATH,
    DeviceState,
    Operation,
    check_profile,
)
from citywatch.sim.onvif._ptz import ptz_configuration
from citywatch.sim.onvif._soap import NS, Element, SoapFault, fill, q, sub, text_of

__all__ = ["DEVICE_OPERATIONS", "MEDIA_OPERATIONS"]


def _response(prefix: str, name: str) -> Element:
    return etree.Element(q(prefix, name))


# --- device service -------------------------------------------------------------------------
def get_system_date_and_time(_dev: DeviceState, _req: Element) -> Element:
    now = datetime.now(UTC)
    out = _response("tds", "GetSystemDateAndTimeResponse")
    sdt = sub(out, "tds:SystemDateAndTime")
    sub(sdt, "tt:DateTimeType", "NTP")
    sub(sdt, "tt:DaylightSavings", "false")
    sub(sub(sdt, "tt:TimeZone"), "tt:TZ", "UTC0")
    utc = sub(sdt, "tt:UTCDateTime")
    t = sub(utc, "tt:Time")
    fill(t, ("tt:Hour", str(now.hour)), ("tt:Minute", str(now.minute)), ("tt:Second", str(now.second)))
    d = sub(utc, "tt:Date")
    fill(d, ("tt:Year", str(now.year)), ("tt:Month", str(now.month)), ("tt:Day", str(now.day)))
    return out


def get_device_information(dev: DeviceState, _req: Element) -> Element:
    out = _response("tds", "GetDeviceInformationResponse")
    for name, value in (
        ("Manufacturer", "citywatch"),
        ("Model", "Virtual PTZ camera"),
        ("FirmwareVersion", "1.0"),
        ("SerialNumber", dev.serial),
        ("HardwareId", dev.name),
    ):
        sub(out, f"tds:{name}", value)
    return out


def get_capabilities(dev: DeviceState, req: Element) -> Element:
    category = text_of(req, "Category") or "All"
    if category not in ("All", "Device", "Media", "PTZ"):
        raise SoapFault("Receiver", ["ter:ActionNotSupported", "ter:NoSuchService"], f"no {category} service")
    out = _response("tds", "GetCapabilitiesResponse")
    caps = sub(out, "tds:Capabilities")
    if category in ("All", "Device"):
        sub(sub(caps, "tt:Device"), "tt:XAddr", dev.url(DEVICE_PATH))
    if category in ("All", "Media"):
        media = sub(caps, "tt:Media")
        sub(media, "tt:XAddr", dev.url(MEDIA_PATH))
        streaming = sub(media, "tt:StreamingCapabilities")
        fill(streaming, ("tt:RTPMulticast", "false"), ("tt:RTP_TCP", "false"), ("tt:RTP_RTSP_TCP", "true"))
    if category in ("All", "PTZ"):
        sub(sub(caps, "tt:PTZ"), "tt:XAddr", dev.url(PTZ_PATH))
    return out


def get_services(dev: DeviceState, _req: Element) -> Element:
    out = _response("tds", "GetServicesResponse")
    for ns, path, major in ((NS["tds"], DEVICE_PATH, 2), (NS["trt"], MEDIA_PATH, 2), (NS["tptz"], PTZ_PATH, 2)):
        service = sub(out, "tds:Service")
        fill(service, ("tds:Namespace", ns), ("tds:XAddr", dev.url(path)))
        fill(sub(service, "tds:Version"), ("tt:Major", str(major)), ("tt:Minor", "60"))
    return out


DEVICE_OPERATIONS: dict[str, Operation] = {
    "GetSystemDateAndTime": get_system_date_and_time,
    "GetDeviceInformation": get_device_information,
    "GetCapabilities": get_capabilities,
    "GetServices": get_services,
}


# --- media service --------------------------------------------------------------------------
def _profile(dev: DeviceState, parent: Element) -> None:
    profile = sub(parent, "trt:Profiles", attrs={"token": PROFILE_TOKEN, "fixed": "true"})
    sub(profile, "tt:Name", "mainStream")
    vsc = sub(profile, "tt:VideoSourceConfiguration", attrs={"token": "video_source_config_1"})
    fill(vsc, ("tt:Name", "video source"), ("tt:UseCount", "1"), ("tt:SourceToken", "video_source_1"))
    sub(vsc, "tt:Bounds", attrs={"x": "0", "y": "0", "width": str(dev.width), "height": str(dev.height)})
    vec = sub(profile, "tt:VideoEncoderConfiguration", attrs={"token": "video_encoder_config_1"})
    fill(vec, ("tt:Name", "H.264 main"), ("tt:UseCount", "1"), ("tt:Encoding", "H264"))
    fill(sub(vec, "tt:Resolution"), ("tt:Width", str(dev.width)), ("tt:Height", str(dev.height)))
    sub(vec, "tt:Quality", "5")
    fill(
        sub(vec, "tt:RateControl"),
        ("tt:FrameRateLimit", str(dev.fps)),
        ("tt:EncodingInterval", "1"),
        ("tt:BitrateLimit", str(dev.bitrate_kbps)),
    )
    fill(sub(vec, "tt:H264"), ("tt:GovLength", str(dev.gop_frames)), ("tt:H264Profile", "Baseline"))
    multicast = sub(vec, "tt:Multicast")
    fill(sub(multicast, "tt:Address"), ("tt:Type", "IPv4"), ("tt:IPv4Address", "0.0.0.0"))  # noqa: S104 - none
    fill(multicast, ("tt:Port", "0"), ("tt:TTL", "0"), ("tt:AutoStart", "false"))
    sub(vec, "tt:SessionTimeout", "PT60S")
    profile.append(ptz_configuration("tt:PTZConfiguration"))


def get_profiles(dev: DeviceState, _req: Element) -> Element:
    out = _response("trt", "GetProfilesResponse")
    _profile(dev, out)
    return out


def get_profile(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    out = _response("trt", "GetProfileResponse")
    _profile(dev, out)
    out[0].tag = q("trt", "Profile")
    return out


def _media_uri(name: str, uri: str) -> Element:
    out = _response("trt", name)
    media_uri = sub(out, "trt:MediaUri")
    fill(
        media_uri,
        ("tt:Uri", uri),
        ("tt:InvalidAfterConnect", "false"),
        ("tt:InvalidAfterReboot", "false"),
        ("tt:Timeout", "PT0S"),
    )
    return out


def get_stream_uri(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    setup = req.find(q("trt", "StreamSetup"))
    protocol = None
    if setup is not None:
        transport = next((e for e in setup.iter() if etree.QName(e).localname == "Protocol"), None)
        protocol = None if transport is None or transport.text is None else transport.text.strip()
    if protocol not in (None, "RTSP", "TCP"):
        raise SoapFault(
            "Sender", ["ter:InvalidArgVal", "ter:InvalidStreamSetup"], f"transport {protocol} is not offered; use RTSP"
        )
    return _media_uri("GetStreamUriResponse", dev.stream_uri())


def get_snapshot_uri(dev: DeviceState, req: Element) -> Element:
    check_profile(req)
    if dev.snapshot is None:
        raise SoapFault("Receiver", ["ter:ActionNotSupported", "ter:SnapshotNotSupported"], "no snapshots")
    return _media_uri("GetSnapshotUriResponse", dev.url(SNAPSHOT_PATH))


MEDIA_OPERATIONS: dict[str, Operation] = {
    "GetProfiles": get_profiles,
    "GetProfile": get_profile,
    "GetStreamUri": get_stream_uri,
    "GetSnapshotUri": get_snapshot_uri,
}

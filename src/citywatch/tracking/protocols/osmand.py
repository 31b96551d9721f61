"""OsmAnd / Traccar Client over HTTP (port 5055): the query form and the newer JSON form.

Query form, any method: ``?id=…&timestamp=…&lat=…&lon=…`` with speed in knots; the JSON form (``POST``,
``application/json``) has speed in m/s and battery as a fraction. Pure: request parts in, positions out;
the HTTP listener turns ``DecodeError`` into 400 and an unknown JSON device into 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from citywatch.tracking.domain import Position, utcnow
from citywatch.tracking.errors import DecodeError

__all__ = ["OsmAndReport", "decode_request", "parse_timestamp"]

PROTOCOL = "osmand"
KNOT_KMH = 1.852
_KNOWN = {
    "id",
    "deviceid",
    "timestamp",
    "lat",
    "lon",
    "location",
    "speed",
    "bearing",
    "heading",
    "altitude",
    "accuracy",
    "hdop",
    "batt",
    "alarm",
    "valid",
}


@dataclass(slots=True)
class OsmAndReport:
    form: str  # "query" | "json"
    identifier: str
    positions: list[Position] = field(default_factory=list)


def parse_timestamp(value: str | float | int, *, local_tz: tzinfo = UTC) -> datetime:
    """Unix seconds, milliseconds (above 2^31), ISO 8601, or ``yyyy-MM-dd HH:mm:ss`` in ``local_tz``."""
    try:
        if isinstance(value, int | float) or str(value).replace(".", "", 1).isdigit():
            number = float(value)
            if number > 2**31:
                number /= 1000
            return datetime.fromtimestamp(number, UTC)
        text = str(value).strip().replace("Z", "+00:00")
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError) as exc:
        raise DecodeError(f"osmand: timestamp {value!r} is neither Unix time nor ISO 8601") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_tz)
    return parsed.astimezone(UTC)


def decode_request(
    target: str,
    content_type: str,
    body: bytes,
    *,
    server_time: datetime | None = None,
    local_tz: tzinfo = UTC,
) -> OsmAndReport:
    """Decode one HTTP request given its target (path + query), content type and body."""
    now = server_time or utcnow()
    if "json" in content_type.lower():
        return _decode_json(body, now, local_tz)
    params = _query(urlsplit(target).query)
    if "x-www-form-urlencoded" in content_type.lower() and body:
        params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return _decode_query(params, now, local_tz)


def _query(query: str) -> dict[str, str]:
    if "%" in query or "+" in query:
        return dict(parse_qsl(query, keep_blank_values=True))
    # The common case from phones: nothing escaped; splitting by hand is several times cheaper.
    params = {}
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            params[key] = value
    return params


def _float(params: dict[str, str], key: str) -> float | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise DecodeError(f"osmand: parameter {key}={raw!r} is not a number") from exc


def _decode_query(params: dict[str, str], now: datetime, local_tz: tzinfo) -> OsmAndReport:
    ident = params.get("id") or params.get("deviceid")
    if not ident:
        raise DecodeError("osmand: the id (or deviceid) parameter is required")
    if "location" in params:
        try:
            lat_s, lon_s = params["location"].split(",", 1)
            lat, lon = float(lat_s), float(lon_s)
        except ValueError as exc:
            raise DecodeError(f"osmand: location={params['location']!r} is not 'lat,lon'") from exc
    else:
        lat_f, lon_f = _float(params, "lat"), _float(params, "lon")
        if lat_f is None or lon_f is None:
            raise DecodeError("osmand: lat and lon (or location=lat,lon) are required")
        lat, lon = lat_f, lon_f
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DecodeError(f"osmand: coordinates {lat},{lon} out of range")
    fix = parse_timestamp(params["timestamp"], local_tz=local_tz) if params.get("timestamp") else now
    speed_kn = _float(params, "speed")
    course = _float(params, "bearing")
    if course is None:
        course = _float(params, "heading")
    attrs: dict[str, Any] = {k: v for k, v in params.items() if k not in _KNOWN}
    if (hdop := _float(params, "hdop")) is not None:
        attrs["hdop"] = hdop
    if (batt := _float(params, "batt")) is not None:
        attrs["battery_pct"] = batt
    position = Position(
        device=ident,
        protocol=PROTOCOL,
        fix_time=fix,
        valid=params.get("valid", "true").lower() not in ("false", "0"),
        latitude=lat,
        longitude=lon,
        server_time=now,
        device_time=fix,
        speed_kmh=(speed_kn or 0.0) * KNOT_KMH,
        course=course,
        altitude=_float(params, "altitude"),
        accuracy_m=_float(params, "accuracy"),
        attributes=attrs,
    )
    if params.get("alarm"):
        position.add_alarm(params["alarm"].lower())
    return OsmAndReport("query", ident, [position])


def _decode_json(body: bytes, now: datetime, local_tz: tzinfo) -> OsmAndReport:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"osmand: JSON body does not parse: {exc}") from exc
    if not isinstance(doc, dict):
        raise DecodeError("osmand: JSON body must be an object with location and device_id")
    ident = doc.get("device_id") or doc.get("id")
    if not isinstance(ident, str | int) or ident == "":
        raise DecodeError("osmand: JSON body lacks device_id")
    raw = doc.get("location")
    locations = raw if isinstance(raw, list) else [raw]
    positions = [_json_location(str(ident), loc, now, local_tz) for loc in locations]
    return OsmAndReport("json", str(ident), positions)


def _num(obj: dict[str, Any], key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DecodeError(f"osmand: {key}={value!r} is not a number")
    return float(value)


def _json_location(ident: str, loc: Any, now: datetime, local_tz: tzinfo) -> Position:
    if not isinstance(loc, dict) or not isinstance(loc.get("coords"), dict):
        raise DecodeError("osmand: JSON location needs a coords object")
    coords: dict[str, Any] = loc["coords"]
    lat, lon = _num(coords, "latitude"), _num(coords, "longitude")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DecodeError(f"osmand: JSON coords {lat},{lon} missing or out of range")
    ts = loc.get("timestamp")
    fix = parse_timestamp(ts, local_tz=local_tz) if isinstance(ts, str | int | float) else now
    heading = _num(coords, "heading")
    attrs: dict[str, Any] = {}
    battery = loc.get("battery")
    if isinstance(battery, dict) and isinstance(battery.get("level"), int | float):
        attrs["battery_pct"] = round(float(battery["level"]) * 100, 1)
        if "is_charging" in battery:
            attrs["charging"] = bool(battery["is_charging"])
    for key in ("event", "is_moving", "odometer"):
        if key in loc:
            attrs[key] = loc[key]
    activity = loc.get("activity")
    if isinstance(activity, dict) and "type" in activity:
        attrs["activity"] = activity["type"]
    extras = loc.get("extras")
    if isinstance(extras, dict):
        attrs.update({str(k): v for k, v in extras.items()})
    position = Position(
        device=ident,
        protocol=PROTOCOL,
        fix_time=fix,
        valid=True,
        latitude=lat,
        longitude=lon,
        server_time=now,
        device_time=fix,
        speed_kmh=max(_num(coords, "speed") or 0.0, 0.0) * 3.6,
        course=heading if heading is not None and heading >= 0 else None,
        altitude=_num(coords, "altitude"),
        accuracy_m=_num(coords, "accuracy"),
        attributes=attrs,
    )
    alarm = loc.get("alarm") or (extras.get("alarm") if isinstance(extras, dict) else None)
    if isinstance(alarm, str) and alarm:
        position.add_alarm(alarm.lower())
    return position

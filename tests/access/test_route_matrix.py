"""Every route in the OpenAPI document, called as every role and anonymously, answers as this table says.

The table is written out by hand, independently of the server's role defaults: each route names the
right it needs (on camera 1, the council's camera with footage, or outside cameras). A role that has
the right must not get 401/403; one that lacks it must get 403 (or 404 where the route hides what
exists, marked ``hidden``); anonymous callers always get 401. A route missing from the table fails
the test, so no route can be added without deciding who may call it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.access.borough import Borough, borough

ALL_CAMERA = {"live", "playback", "export", "ptz", "hold", "hold.release", "mask.lift", "admin"}
POLICE_CAM = {"live", "playback", "export", "ptz", "hold"}
CAMERA_RIGHTS: dict[str, set[str]] = {  # on camera 1, owned by the council
    "admin": ALL_CAMERA,
    "supervisor": {"live", "playback", "export", "ptz", "hold", "hold.release", "mask.lift"},
    "operator": {"live", "playback", "ptz", "hold"},
    "police_investigator": POLICE_CAM,  # through the council → police agreement
    "police_emergency": POLICE_CAM,
    "partner_security": set(),
    "network_manager": set(),
}
SOME_CAMERA_RIGHTS = {"partner_security": {"live", "playback", "ptz"}}  # on the partner's own cameras
GENERAL_RIGHTS: dict[str, set[str]] = {
    "admin": {"*"},
    "supervisor": {"cameras.view", "alarms.view", "tracking.view", "tracking.manage", "audit.view"},
    "operator": {"cameras.view", "alarms.view", "tracking.view"},
    "police_investigator": {"cameras.view", "alarms.view", "tracking.view", "tracking.manage"},
    "police_emergency": {"cameras.view", "alarms.view", "tracking.view", "tracking.manage"},
    "partner_security": {"cameras.view", "audit.view", "billing.view"},
    "network_manager": {"cameras.view", "crime.view", "billing.view", "audit.view", "alarms.view"},
}
PEOPLE = {
    "admin": "admin",
    "supervisor": "priya.supervisor",
    "operator": "sam.operator",
    "police_investigator": "pc.jones",
    "police_emergency": "sgt.khan",
    "partner_security": "westfield.security",
    "network_manager": "mo.manager",
}


@dataclass(frozen=True)
class Needs:
    right: str  # "any" (signed in), "admin", a camera right ("cam:live") or a general one ("gen:audit.view")
    hidden: bool = False  # a refusal may be 404 (the thing does not exist for this caller)

    def allowed(self, role: str) -> bool | None:
        """True: must not be refused; False: must be refused; None: a link's own check decides."""
        if self.right == "link":
            return None
        if role == "admin" or self.right == "any":
            return True
        if self.right == "admin":
            return False
        if self.right == "see-camera":  # camera 1's details: those with a right on it, and managers
            return bool(CAMERA_RIGHTS[role]) or role == "network_manager"
        if self.right == "manager":  # network-wide business figures: billing rights, not a partner's own staff
            return "billing.view" in GENERAL_RIGHTS[role] and role != "partner_security"
        kind, name = self.right.split(":", 1)
        if kind == "cam":
            return name in CAMERA_RIGHTS[role]
        if kind == "some":  # on some camera, not necessarily camera 1
            return name in CAMERA_RIGHTS[role] | SOME_CAMERA_RIGHTS.get(role, set())
        return name in GENERAL_RIGHTS[role]


ANY, ADMIN, MANAGER = Needs("any"), Needs("admin"), Needs("manager")


def cam(right: str, hidden: bool = False) -> Needs:
    return Needs(f"cam:{right}", hidden)


def gen(right: str, hidden: bool = False) -> Needs:
    return Needs(f"gen:{right}", hidden)


TABLE: dict[str, Needs] = {
    # auth and self-service
    "POST /api/v1/auth/logout": ANY,
    "GET /api/v1/auth/me": ANY,
    "POST /api/v1/auth/mfa/setup": ANY,
    "POST /api/v1/auth/mfa/confirm": ANY,
    "GET /api/v1/auth/tokens": ANY,
    "POST /api/v1/auth/tokens": ANY,
    "DELETE /api/v1/auth/tokens/{token_id}": ANY,
    "POST /api/v1/justifications": Needs("some:playback"),
    # organisations, people, rules, sharing
    "GET /api/v1/organisations": ANY,
    "POST /api/v1/organisations": ADMIN,
    "GET /api/v1/organisations/{org_id}/sites": gen("cameras.view"),
    "POST /api/v1/organisations/{org_id}/sites": ADMIN,
    "GET /api/v1/groups": gen("cameras.view"),
    "POST /api/v1/groups": ADMIN,
    "PUT /api/v1/groups/{group_id}/cameras": ADMIN,
    "DELETE /api/v1/groups/{group_id}": ADMIN,
    "GET /api/v1/users": ADMIN,
    "POST /api/v1/users": ADMIN,
    "PUT /api/v1/users/{user_id}": ADMIN,
    "POST /api/v1/users/{user_id}/unlock": ADMIN,
    "POST /api/v1/users/{user_id}/mfa/reset": ADMIN,
    "GET /api/v1/permissions": ADMIN,
    "POST /api/v1/permissions": ADMIN,
    "DELETE /api/v1/permissions/{rule_id}": ADMIN,
    "GET /api/v1/sharing": gen("cameras.view"),
    "POST /api/v1/sharing": ADMIN,
    "POST /api/v1/sharing/{agreement_id}/revoke": ADMIN,
    "POST /api/v1/sharing/{agreement_id}/incident": ADMIN,
    # audit
    "GET /api/v1/audit": gen("audit.view"),
    "GET /api/v1/audit/export": gen("audit.view"),
    "GET /api/v1/audit/report": gen("audit.view"),
    "GET /api/v1/audit/verify": ADMIN,
    # cameras and footage
    "GET /api/v1/cameras": gen("cameras.view"),
    "POST /api/v1/cameras": ADMIN,
    "GET /api/v1/cameras/{camera_id}": Needs("see-camera", hidden=True),
    "PUT /api/v1/cameras/{camera_id}": ADMIN,
    "DELETE /api/v1/cameras/{camera_id}": ADMIN,
    "PUT /api/v1/cameras/{camera_id}/owner": ADMIN,
    "GET /api/v1/cameras/{camera_id}/timeline": cam("playback"),
    "GET /api/v1/cameras/{camera_id}/bookmarks": cam("playback"),
    "POST /api/v1/cameras/{camera_id}/bookmarks": cam("playback"),
    "DELETE /api/v1/cameras/{camera_id}/bookmarks/{bookmark_id}": cam("playback"),
    "GET /api/v1/cameras/{camera_id}/playback.m3u8": cam("playback"),
    "GET /api/v1/cameras/{camera_id}/clip.mp4": cam("export"),
    "GET /api/v1/cameras/{camera_id}/snapshot.jpg": cam("playback"),
    "GET /api/v1/recordings/{recording_id}/media": cam("playback"),
    "GET /api/v1/cameras/{camera_id}/live.m3u8": cam("live"),
    "GET /api/v1/cameras/{camera_id}/viewers": cam("live"),
    # crime figures for managers
    **{f"GET /api/v1/crime/{name}": gen("crime.view") for name in ("boroughs", "mopac7", "trend", "ranking", "lsoa")},
    "GET /api/v1/crime/coverage": gen("crime.view"),
    "GET /api/v1/crime/report": gen("crime.view"),
    # PTZ
    **{
        f"{m} /api/v1/cameras/{{camera_id}}/ptz{tail}": cam("ptz")
        for m, tail in (
            ("GET", ""),
            ("POST", "/move"),
            ("POST", "/stop"),
            ("POST", "/absolute"),
            ("POST", "/relative"),
            ("POST", "/centre"),
            ("POST", "/home"),
            ("POST", "/take"),
            ("POST", "/release"),
            ("GET", "/presets"),
            ("POST", "/presets"),
            ("DELETE", "/presets/{token}"),
            ("POST", "/presets/{token}/go"),
            ("GET", "/tours"),
            ("POST", "/tours"),
            ("PUT", "/tours/{tour_id}"),
            ("DELETE", "/tours/{tour_id}"),
            ("POST", "/tours/{tour_id}/start"),
            ("POST", "/tours/{tour_id}/stop"),
            ("GET", "/settings"),
        )
    },
    "PUT /api/v1/cameras/{camera_id}/ptz/settings": ADMIN,
    "POST /api/v1/cameras/probe": ADMIN,
    "POST /api/v1/ptz/callup": Needs("some:ptz"),
    # tracking
    "GET /api/v1/devices": gen("tracking.view"),
    "GET /api/v1/devices/{device_id}/positions": gen("tracking.view"),
    "GET /api/v1/devices/{device_id}/camera-passes": gen("tracking.view"),
    "GET /api/v1/devices/{device_id}/profile": gen("tracking.manage"),  # missing-person details
    "PUT /api/v1/devices/{device_id}/profile": gen("tracking.manage"),
    "GET /api/v1/zones": gen("tracking.view"),
    "GET /api/v1/alerts": gen("tracking.view"),
    "POST /api/v1/alerts/{alert_id}/acknowledge": gen("tracking.view"),
    "POST /api/v1/alerts/{alert_id}/assign": gen("tracking.view"),
    "POST /api/v1/alerts/{alert_id}/escalate": gen("tracking.view"),
    "POST /api/v1/alerts/{alert_id}/close": gen("tracking.view"),
    "GET /api/v1/alerts/{alert_id}/camera-passes": gen("tracking.view"),
    "POST /api/v1/alerts/{alert_id}/share": gen("tracking.view"),
    "GET /api/v1/shared/tracking/{token}": gen("tracking.view"),
    # the operator's own screen
    "GET /api/v1/layouts": gen("cameras.view"),
    "GET /api/v1/layouts/{name}": gen("cameras.view"),
    "PUT /api/v1/layouts/{name}": gen("cameras.view"),
    "DELETE /api/v1/layouts/{name}": gen("cameras.view"),
    "GET /api/v1/settings/ui": gen("cameras.view"),
    "PUT /api/v1/settings/ui": gen("cameras.view"),
    # evidence
    "GET /api/v1/cases": Needs("some:hold"),
    "POST /api/v1/cases": Needs("some:hold"),
    "GET /api/v1/cases/{case_id}": Needs("some:hold"),
    "PUT /api/v1/cases/{case_id}": Needs("some:hold"),
    "DELETE /api/v1/cases/{case_id}": Needs("some:hold"),
    "GET /api/v1/evidence/holds": Needs("some:hold"),
    "POST /api/v1/evidence/holds": cam("hold"),
    "POST /api/v1/evidence/holds/{hold_id}/release": cam("hold.release", hidden=True),
    "POST /api/v1/exports": cam("export"),
    "GET /api/v1/exports": Needs("some:export"),
    "GET /api/v1/exports/{export_id}": cam("export", hidden=True),
    "GET /api/v1/exports/{export_id}/bundle": cam("export", hidden=True),
    "POST /api/v1/exports/{export_id}/deliveries": cam("export", hidden=True),
    "POST /api/v1/exports/{export_id}/working-copies": cam("export", hidden=True),
    # Being the user the link names is the permission (tests/evidence/test_api.py): here only "signed in".
    "GET /api/v1/deliveries/{token}": Needs("link"),
    "GET /api/v1/disclosures": gen("audit.view"),
    "GET /api/v1/evidence/keys": gen("cameras.view"),
    "POST /api/v1/evidence/keys/rotate": ADMIN,
    # partners and the business of the network (organisation 1 is the council: not a partner's own)
    "GET /api/v1/register": gen("cameras.view"),
    "GET /api/v1/register/{camera_id}": Needs("see-camera", hidden=True),
    "PUT /api/v1/register/{camera_id}": ADMIN,
    "GET /api/v1/transparency/cameras.geojson": gen("cameras.view"),
    "GET /api/v1/transparency/cameras.csv": gen("cameras.view"),
    "GET /api/v1/partners": MANAGER,
    "POST /api/v1/partners": ADMIN,
    "GET /api/v1/partners/{organisation_id}": MANAGER,
    "POST /api/v1/partners/{organisation_id}/contracts": ADMIN,
    "POST /api/v1/partners/{organisation_id}/plan-change": ADMIN,
    "GET /api/v1/partners/{organisation_id}/meter-readings": MANAGER,
    "GET /api/v1/partners/{organisation_id}/portal": MANAGER,
    "GET /api/v1/partners/{organisation_id}/invoices/{month}": MANAGER,
    "GET /api/v1/invoices": MANAGER,
    "GET /api/v1/plans": MANAGER,
    "PUT /api/v1/plans/{code}": ADMIN,
    "GET /api/v1/contracts": MANAGER,
    "GET /api/v1/prospects": MANAGER,
    "POST /api/v1/prospects": ADMIN,
    "GET /api/v1/forecast": MANAGER,
    "GET /api/v1/footage-requests": MANAGER,
    "POST /api/v1/footage-requests": MANAGER,
    "GET /api/v1/footage-requests/{request_id}": MANAGER,
    "POST /api/v1/footage-requests/{request_id}/identity": MANAGER,
    "POST /api/v1/footage-requests/{request_id}/extend": MANAGER,
    "POST /api/v1/footage-requests/{request_id}/fulfil": Needs("some:export"),
    "POST /api/v1/footage-requests/{request_id}/close": MANAGER,
    # operations
    "GET /api/v1/metrics": ADMIN,
    # alarms and holds
    "GET /api/v1/alarms": gen("alarms.view"),
    "GET /api/v1/holds": cam("hold"),
    "POST /api/v1/holds": cam("hold"),
    "POST /api/v1/holds/{hold_id}/release": cam("hold.release"),
}
# WebSocket routes are not in the OpenAPI document: their rows are checked by connecting (test below).
WEBSOCKETS: dict[str, Needs] = {
    "/api/v1/events": gen("cameras.view"),  # camera status and alarm events, each filtered by camera rights
}
# Reachable without signing in: health, and signing in itself (password, or at an identity provider).
PUBLIC = {
    "GET /api/v1/health",
    "POST /api/v1/auth/login",
    "GET /api/v1/auth/oidc/login",
    "GET /api/v1/auth/oidc/callback",
}
# Calls made last, in this order, because they change what the others need.
LAST = ("DELETE /api/v1/cameras/{camera_id}", "POST /api/v1/auth/logout")
ISO = "2026-11-20T12:00:00Z"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def example(spec: dict[str, Any], schema: dict[str, Any], name: str = "") -> Any:
    """A small valid value for ``schema``, so that routes get past validation to their permission check."""
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return example(spec, options[0], name)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example(spec, v, k) for k, v in props.items() if k in schema.get("required", props)}
    if kind == "array":
        return [example(spec, schema.get("items", {}), name)] if name != "camera_ids" else [1]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return float(low) + 1.0
    if kind == "boolean":
        return False
    if schema.get("format") == "date" or name.endswith("_on") or name == "month":
        return "2026-11-20" if name != "month" else "2026-11"
    if schema.get("format") == "date-time":
        return ISO
    if any(t in name for t in ("start", "end", "at", "expires", "date", "since", "until")):
        return ISO
    if "url" in name:
        return "rtsp://127.0.0.1:8554/cam/9"
    if "password" in name:
        return "a long enough password"
    return "x1"


def _params(spec: dict[str, Any], op: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    path, query = {}, {}
    for p in op.get("parameters", []):
        value = example(spec, p.get("schema", {}), p["name"])
        if p["in"] == "path":
            path[p["name"]] = 1 if isinstance(value, int) else value
        elif p["in"] == "query" and p.get("required"):
            query[p["name"]] = value
    return path, query


def _calls(spec: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any], Any]]:
    ops = []
    for template, methods in spec["paths"].items():
        for method, op in methods.items():
            key = f"{method.upper()} {template}"
            if key in PUBLIC:
                continue
            path_params, query = _params(spec, op)
            url = template
            for k, v in path_params.items():
                url = url.replace("{" + k + "}", str(v))
            body = None
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                body = example(spec, content["schema"])
            ops.append((key, method.upper(), url, query, body))
    ops.sort(key=lambda o: LAST.index(o[0]) + 1 if o[0] in LAST else 0)
    yield from ops


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Borough]:
    with borough(tmp_path_factory.mktemp("matrix")) as b:
        yield b


def test_every_route_answers_every_role_as_the_table_says(town: Borough) -> None:
    admin = town.client("admin")
    spec = admin.get("/api/openapi.json").json()
    routes = [f"{m.upper()} {p}" for p, ms in spec["paths"].items() for m in ms]
    missing = sorted(set(routes) - set(TABLE) - PUBLIC)
    assert not missing, f"routes with no row in the permission table (decide who may call them): {missing}"
    stale = sorted(set(TABLE) - set(routes))
    assert not stale, f"table rows for routes that no longer exist: {stale}"

    failures: list[str] = []
    anonymous = httpx.Client(base_url=town.url, timeout=30)
    clients = {role: town.client(user) for role, user in PEOPLE.items()}
    for role in ("police_investigator", "police_emergency"):
        r = clients[role].post("/api/v1/justifications", json={"reason": "route matrix check", "reference": "CAD 1"})
        assert r.status_code == 204, r.text
    calls = [c for c in _calls(spec) if c[0] in TABLE]
    for key, _method, url, query, body in calls:
        r = anonymous.request(_method, url, params=query, json=body)
        if r.status_code != 401:
            failures.append(f"anonymous {key}: {r.status_code}")
    # Every role through every route; the administrator last, as its calls may revoke or delete things.
    for role in [*(role for role in PEOPLE if role != "admin"), "admin"]:
        for key, method, url, query, body in calls:
            needs = TABLE[key]
            r = clients[role].request(method, url, params=query, json=body)
            got = r.status_code
            allowed = needs.allowed(role)
            if got >= 500 and got != 503:  # 503: the camera is not live, which is not a fault here
                failures.append(f"{role} {key}: {got} ({r.text[:160]})")
            elif allowed is None:
                if got == 401:
                    failures.append(f"{role} {key}: 401 although signed in")
            elif allowed:
                if got in (401, 403):
                    failures.append(f"{role} {key}: {got} but allowed ({r.text[:120]})")
            elif not (got == 403 or (needs.hidden and got == 404)):
                failures.append(f"{role} {key}: {got} but must be refused ({r.text[:120]})")
    assert not failures, "\n".join(failures)


def test_docs_and_unknown_api_paths_need_sign_in_too(town: Borough) -> None:
    for path in ("/api/docs", "/api/openapi.json", "/api/v1/no-such-route"):
        r = httpx.get(f"{town.url}{path}")
        assert r.status_code in (401, 404), path
        assert r.status_code == 401 or not re.search(r"camera|user", r.text, re.I)


def test_every_websocket_route_admits_every_role_as_the_table_says(town: Borough) -> None:
    import asyncio

    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    async def attempt(path: str, headers: dict[str, str]) -> str:
        """'open' (the server spoke first, as these routes do once allowed) or 'refused' (1008, or 403 before the
        upgrade: a socket closed before it is accepted)."""
        try:
            async with connect(town.url.replace("http", "ws", 1) + path, additional_headers=headers) as ws:
                await asyncio.wait_for(ws.recv(), 10)
                return "open"
        except ConnectionClosed as exc:
            assert exc.rcvd is not None and exc.rcvd.code == 1008, exc
            return "refused"
        except InvalidStatus as exc:
            assert exc.response.status_code == 403, exc
            return "refused"

    failures = []
    for path, needs in WEBSOCKETS.items():
        if asyncio.run(attempt(path, {})) != "refused":
            failures.append(f"anonymous {path}: not refused")
        for role, user in PEOPLE.items():
            auth = {"Authorization": str(town.client(user).headers["Authorization"])}
            expected = "open" if needs.allowed(role) else "refused"
            got = asyncio.run(attempt(path, auth))
            if got != expected:
                failures.append(f"{role} {path}: {got}, expected {expected}")
    assert not failures, "\n".join(failures)

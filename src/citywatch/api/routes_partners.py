"""Partners and the business of the network: camera register, plans, metering, invoices, forecast.

Routes map requests onto ``citywatch.partners`` and its errors onto HTTP answers (404, 422, 503 for a
missing PDF printer). Times in answers are ISO 8601 UTC; money is integer pence (``*_p``).
Managers need ``billing.view``; a partner's own users see their own organisation's portal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from citywatch.access.errors import PermissionDenied
from citywatch.access.principal import Action, Principal, require
from citywatch.api.deps import CurrentPrincipal, client_address, context, parse_time
from citywatch.api.routes_evidence import _service as evidence_service
from citywatch.evidence.bundle import Exporter
from citywatch.evidence.errors import EvidenceError, EvidenceNotFound
from citywatch.evidence.service import ExportSpec
from citywatch.partners.directory import ContractSpec, Onboarding
from citywatch.partners.errors import PartnerError, PartnerNotFound, RenderError
from citywatch.partners.footage import ExportOrder, NewRequest
from citywatch.partners.forecast import DEFAULT_TARGET_P
from citywatch.partners.metering import readings
from citywatch.partners.money import month_window, parse_month, today_london
from citywatch.partners.render import invoice_csv, invoice_html, invoice_pdf
from citywatch.partners.reports import forecast_csv
from citywatch.partners.service import PartnersService
from citywatch.timeutil import iso, now_us

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["partners"])


def _service(request: Request) -> PartnersService:
    svc: PartnersService | None = getattr(request.app.state, "partners", None)
    if svc is None:
        svc = PartnersService(context(request).services.sessions)
        request.app.state.partners = svc
    return svc


@contextlib.contextmanager
def _domain() -> Iterator[None]:
    try:
        yield
    except PartnerNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except RenderError as exc:
        raise HTTPException(503, str(exc)) from exc
    except PartnerError as exc:
        raise HTTPException(422, str(exc)) from exc


def _out(value: Any) -> Any:
    """Dataclasses to JSON: ``*_us`` instants become ISO 8601 UTC under the name without ``_us``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _out({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if isinstance(k, str) and k.endswith("_us") and (v is None or isinstance(v, int)):
                out[k[:-3] if k[:-3] not in value else f"{k[:-3]}_at"] = None if v is None else iso(v)
            else:
                out[k] = _out(v)
        return out
    if isinstance(value, (list, tuple)):
        return [_out(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


PARTNER_ROLES = frozenset({"partner_security"})


def _manager(principal: Principal) -> None:
    """Network-wide business data: ``billing.view`` and not a partner's own user (tenants see only themselves)."""
    require(principal, Action.VIEW_BILLING)
    if principal.role in PARTNER_ROLES and not principal.is_admin:
        raise PermissionDenied(f"{principal.username} sees only their own organisation's portal")


def _portal(principal: Principal, organisation_id: int) -> None:
    """A partner's own users (with ``billing.view``) see their organisation; managers see every partner."""
    if principal.organisation_id == organisation_id:
        require(principal, Action.VIEW_BILLING)
    else:
        _manager(principal)


def _today() -> date:
    return today_london(now_us())


def _audit(
    request: Request, principal: Principal, action: str, detail: dict[str, object], camera_id: int | None = None
) -> None:
    context(request).audit.record(action, principal, camera_id=camera_id, detail=detail, client=client_address(request))


# register and transparency ------------------------------------------------------------------------------------


@router.get("/register")
def register_list(request: Request, principal: CurrentPrincipal) -> Any:
    require(principal, Action.VIEW_CAMERAS)
    entries = _service(request).register.entries(today=_today())
    return _out([e for e in entries if principal.is_admin or principal.grants.visible(e.camera_id)])


@router.get("/register/{camera_id}")
def register_get(camera_id: int, request: Request, principal: CurrentPrincipal) -> Any:
    require(principal, Action.VIEW_CAMERAS)
    if not (principal.is_admin or principal.grants.visible(camera_id)):
        raise PermissionDenied(f"{principal.username} may not see camera {camera_id}")
    with _domain():
        return _out(_service(request).register.entry(camera_id, today=_today()))


@router.put("/register/{camera_id}")
def register_put(camera_id: int, body: dict[str, Any], request: Request, principal: CurrentPrincipal) -> Any:
    require(principal, Action.CONFIGURE_CAMERAS)
    with _domain():
        entry = _service(request).register.put(camera_id, body, by=principal.username, today=_today())
    _audit(request, principal, "register.change", {"fields": sorted(body)}, camera_id)
    return _out(entry)


@router.get("/transparency/cameras.geojson")
def transparency_geojson(request: Request, principal: CurrentPrincipal) -> Response:
    require(principal, Action.VIEW_CAMERAS)
    body = json.dumps(_service(request).register.public_geojson(today=_today()))
    return Response(body, media_type="application/geo+json")


@router.get("/transparency/cameras.csv")
def transparency_csv(request: Request, principal: CurrentPrincipal) -> Response:
    require(principal, Action.VIEW_CAMERAS)
    return Response(
        _service(request).register.public_csv(today=_today()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cameras.csv"'},
    )


# partners, plans, contracts, pipeline -----------------------------------------------------------------------------


class ContractIn(BaseModel):
    plan_code: str
    reference: str
    start_on: date
    end_on: date | None = None
    connection_fee_due: bool = True


class OnboardingIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    contacts: list[dict[str, str]] = Field(default_factory=list)
    sites: list[dict[str, str]] = Field(default_factory=list)
    camera_ids: list[int] = Field(default_factory=list)
    contract: ContractIn | None = None


class PlanChangeIn(BaseModel):
    plan_code: str
    from_on: date
    reference: str


class ProspectIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    plan_code: str
    cameras: int = Field(ge=1)
    probability_pct: float = Field(ge=0, le=100)
    expected_start_on: date
    monitored_hours_per_day: float = Field(default=24.0, ge=0, le=24)
    term_months: int = Field(default=36, ge=1)
    notes: str = ""


def _spec(c: ContractIn) -> ContractSpec:
    return ContractSpec(c.plan_code, c.reference, c.start_on, c.end_on, c.connection_fee_due)


@router.get("/partners")
def partners_list(request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    return _out(_service(request).directory.partners())


@router.post("/partners", status_code=201)
def partners_onboard(body: OnboardingIn, request: Request, principal: CurrentPrincipal) -> Any:
    require(principal, Action.ADMIN)
    spec = Onboarding(
        body.name, body.contacts, body.sites, body.camera_ids, _spec(body.contract) if body.contract else None
    )
    with _domain():
        partner = _service(request).directory.onboard(spec)
    _audit(request, principal, "partners.onboard", {"organisation_id": partner.id, "name": partner.name})
    return _out(partner)


@router.get("/partners/{organisation_id}")
def partners_get(organisation_id: int, request: Request, principal: CurrentPrincipal) -> Any:
    _portal(principal, organisation_id)
    with _domain():
        return _out(_service(request).directory.partner(organisation_id))


@router.post("/partners/{organisation_id}/contracts", status_code=201)
def contracts_add(organisation_id: int, body: ContractIn, request: Request, principal: CurrentPrincipal) -> Any:
    require(principal, Action.ADMIN)
    with _domain():
        contract = _service(request).directory.add_contract(organisation_id, _spec(body))
    _audit(request, principal, "partners.contract", {"organisation_id": organisation_id, "contract": contract.id})
    return _out(contract)


@router.post("/partners/{organisation_id}/plan-change", status_code=201)
def contracts_change(organisation_id: int, body: PlanChangeIn, request: Request, principal: CurrentPrincipal) -> Any:
    require(principal, Action.ADMIN)
    with _domain():
        c = _service(request).directory.change_plan(organisation_id, body.plan_code, body.from_on, body.reference)
    _audit(request, principal, "partners.plan_change", {"organisation_id": organisation_id, "plan": body.plan_code})
    return _out(c)


@router.get("/plans")
def plans_list(request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    return _out(_service(request).directory.plans())


@router.put("/plans/{code}")
def plans_put(code: str, body: dict[str, Any], request: Request, principal: CurrentPrincipal) -> Any:
    require(principal, Action.ADMIN)
    with _domain():
        plan = _service(request).directory.put_plan(code, body)
    _audit(request, principal, "partners.plan", {"code": code, "fields": sorted(body)})
    return _out(plan)


@router.get("/contracts")
def contracts_list(request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    return _out(_service(request).directory.contracts())


@router.get("/prospects")
def prospects_list(request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    return _out(_service(request).directory.prospects())


@router.post("/prospects", status_code=201)
def prospects_add(body: ProspectIn, request: Request, principal: CurrentPrincipal) -> Any:
    require(principal, Action.ADMIN)
    with _domain():
        return _out(
            _service(request).directory.add_prospect(
                body.name,
                body.plan_code,
                body.cameras,
                body.probability_pct,
                body.expected_start_on,
                monitored_hours_per_day=body.monitored_hours_per_day,
                term_months=body.term_months,
                notes=body.notes,
            )
        )


# metering, portal, invoices ------------------------------------------------------------------------------------


@router.get("/partners/{organisation_id}/meter-readings")
def meter_readings(organisation_id: int, month: str, request: Request, principal: CurrentPrincipal) -> Any:
    _portal(principal, organisation_id)
    with _domain():
        usage = _service(request).usage(organisation_id, month, now_us=now_us())
    return _out([r for u in usage for r in readings(u)])


@router.get("/partners/{organisation_id}/portal")
def portal(organisation_id: int, month: str, request: Request, principal: CurrentPrincipal) -> Any:
    """Usage, availability against the SLA and who accessed the partner's cameras, for one month."""
    _portal(principal, organisation_id)
    svc, now = _service(request), now_us()
    with _domain():
        w = month_window(parse_month(month))
        partner = svc.directory.partner(organisation_id)
        usage = svc.usage(organisation_id, month, now_us=now)
        availability = svc.availability(organisation_id, month, now_us=now)
        access = svc.access_log(organisation_id, w.start_us, w.end_us)
    h = 3_600_000_000
    return {
        "partner": _out(partner),
        "month": month,
        "usage": [
            {
                "camera_id": u.camera_id,
                "connected_hours": round(u.connected_us / h, 3),
                "recorded_hours": round(u.recorded_us / h, 3),
                "wall_hours": round(u.wall_us / h, 3),
                "storage_gb_days": round(u.storage_gb_days, 3),
                "ptz_minutes": u.ptz_minutes,
            }
            for u in usage
        ],
        "availability": _out(availability),
        "access": _out(access),
    }


@router.get("/invoices")
def invoices_month(
    month: str, request: Request, principal: CurrentPrincipal, format: Literal["json", "csv"] = "json"
) -> Any:
    _manager(principal)
    with _domain():
        invoices = _service(request).invoices(month, now_us=now_us())
    if format == "csv":
        return Response(
            invoice_csv(invoices),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="invoices-{month}.csv"'},
        )
    return _out(invoices)


@router.get("/partners/{organisation_id}/invoices/{month}")
def invoice(
    organisation_id: int,
    month: str,
    request: Request,
    principal: CurrentPrincipal,
    format: Literal["json", "html", "csv", "pdf"] = "json",
) -> Any:
    _portal(principal, organisation_id)
    with _domain():
        inv = _service(request).invoice(organisation_id, month, now_us=now_us())
        name = f"{inv.number}"
        if format == "html":
            return Response(invoice_html(inv), media_type="text/html; charset=utf-8")
        if format == "csv":
            return Response(
                invoice_csv([inv]),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        if format == "pdf":
            return Response(
                invoice_pdf(invoice_html(inv)),
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
            )
    return _out(inv)


# footage requests -------------------------------------------------------------------------------------------------


class FootageRequestIn(BaseModel):
    requester_kind: Literal["subject_access", "solicitor", "insurer", "partner", "police"]
    requester_name: str = Field(min_length=1, max_length=200)
    requester_email: str = ""
    organisation_id: int | None = None
    reference: str = ""
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_m: float = Field(gt=0, le=5000)
    start: str
    end: str
    received: str | None = None
    description: str = ""


class IdentityIn(BaseModel):
    method: str


class ExtendIn(BaseModel):
    months: int = Field(ge=1, le=2)
    reason: str


class FulfilIn(BaseModel):
    """By default every camera within the radius with footage of the period; or a choice among them."""

    camera_ids: list[int] | None = None


class CloseIn(BaseModel):
    status: Literal["refused", "withdrawn"]
    reason: str


@router.get("/footage-requests")
def footage_list(request: Request, principal: CurrentPrincipal, status: str | None = None) -> Any:
    _manager(principal)
    return _out(_service(request).footage.find(today=_today(), status=status))


@router.post("/footage-requests", status_code=201)
def footage_create(body: FootageRequestIn, request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    req = NewRequest(
        requester_kind=body.requester_kind,
        requester_name=body.requester_name,
        latitude=body.latitude,
        longitude=body.longitude,
        radius_m=body.radius_m,
        start_us=parse_time(body.start, "start"),
        end_us=parse_time(body.end, "end"),
        received_us=parse_time(body.received, "received") if body.received else now_us(),
        requester_email=body.requester_email,
        organisation_id=body.organisation_id,
        reference=body.reference,
        description=body.description,
    )
    with _domain():
        created = _service(request).new_footage_request(req, by=principal.username)
    _audit(request, principal, "footage_request.create", {"request": created.id, "kind": created.requester_kind})
    return _out(created)


@router.get("/footage-requests/{request_id}")
def footage_get(request_id: int, request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    svc = _service(request)
    with _domain():
        item = svc.footage.get(request_id, today=_today())
        cameras = svc.footage.candidate_cameras(request_id)
    return {**_out(item), "cameras": cameras}


@router.post("/footage-requests/{request_id}/identity")
def footage_identity(request_id: int, body: IdentityIn, request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    with _domain():
        item = _service(request).footage.check_identity(request_id, body.method, at_us=now_us())
    _audit(request, principal, "footage_request.identity", {"request": request_id})
    return _out(item)


@router.post("/footage-requests/{request_id}/extend")
def footage_extend(request_id: int, body: ExtendIn, request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    with _domain():
        item = _service(request).footage.extend(request_id, body.months, body.reason, today=_today())
    _audit(request, principal, "footage_request.extend", {"request": request_id, "months": body.months})
    return _out(item)


@router.post("/footage-requests/{request_id}/fulfil")
def footage_fulfil(request_id: int, body: FulfilIn, request: Request, principal: CurrentPrincipal) -> Any:
    """Start the evidence export that carries the footage; the request follows the export job."""
    require(principal, Action.EXPORT)
    evidence = evidence_service(request)

    def start(order: ExportOrder) -> str:
        for camera_id in order.camera_ids:
            require(principal, Action.EXPORT, camera_id)
        spec = ExportSpec(order.camera_ids, order.start_us, order.end_us, order.justification, order.reference)
        try:
            job = evidence.create_export(spec, Exporter(principal.username, principal.role, principal.organisation))
        except (EvidenceError, EvidenceNotFound) as exc:
            raise PartnerError(str(exc)) from exc
        for camera_id in order.camera_ids:
            context(request).audit.record(
                "export.create", principal, camera_id=camera_id, start_us=order.start_us, end_us=order.end_us,
                detail={"export_id": job.id, "justification": order.justification, "reference": order.reference},
                client=client_address(request),
            )  # fmt: skip
        return job.id

    with _domain():
        item = _service(request).fulfil_footage(request_id, start, camera_ids=body.camera_ids, at_us=now_us())
    _audit(
        request,
        principal,
        "footage_request.fulfil",
        {"request": request_id, "export_id": item.export_id, "status": item.status},
    )
    return _out(item)


@router.post("/footage-requests/{request_id}/close")
def footage_close(request_id: int, body: CloseIn, request: Request, principal: CurrentPrincipal) -> Any:
    _manager(principal)
    with _domain():
        item = _service(request).footage.close(request_id, body.status, body.reason, at_us=now_us())
    _audit(request, principal, "footage_request.close", {"request": request_id, "status": body.status})
    return _out(item)


# forecast -----------------------------------------------------------------------------------------------------------


@router.get("/forecast")
def forecast(
    request: Request,
    principal: CurrentPrincipal,
    target_p: int = DEFAULT_TARGET_P,
    start: str | None = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    _manager(principal)
    with _domain():
        first = parse_month(start) if start else None
        result = _service(request).forecast(now_us=now_us(), target_p=target_p, start=first)
    if format == "csv":
        return Response(
            forecast_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="forecast.csv"'},
        )
    return _out(result)

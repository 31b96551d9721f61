"""Cases, holds linked to cases, export bundles, deliveries, disclosures and the installation's keys.

The evidence service is built on first use from the wired services and kept on
``app.state.evidence``. Every export, download, delivery and hold change is audited. A delivery link
(``GET /deliveries/{token}``) still needs a signed-in user: the link is only good for the user it
names, and that match is its permission check.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from citywatch.access.errors import PermissionDenied
from citywatch.access.principal import Action, Principal, require, require_justified
from citywatch.api.deps import CurrentPrincipal, client_address, context, parse_time
from citywatch.api.evidence_schemas import (
    CaseIn,
    CaseOut,
    DeliveryIn,
    DeliveryOut,
    DisclosureOut,
    EvidenceHoldIn,
    EvidenceHoldOut,
    ExhibitOut,
    ExportIn,
    ExportOut,
    PublicKeyOut,
    ReleaseIn,
    WorkingCopyIn,
)
from citywatch.evidence.bundle import Exporter
from citywatch.evidence.cases import CaseInput, CaseView, HoldView
from citywatch.evidence.derive import Redaction
from citywatch.evidence.errors import DeliveryRefused, EvidenceError, EvidenceNotFound, ExportNotReady
from citywatch.evidence.models import Disclosure, Exhibit, ExportJob
from citywatch.evidence.service import EvidenceService, ExportSpec
from citywatch.evidence.zipstream import ZipLayout, parse_range
from citywatch.timeutil import iso
from citywatch.video.holds import HoldInput

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["evidence"])
_build_lock = threading.Lock()


def _service(request: Request) -> EvidenceService:
    svc: EvidenceService | None = getattr(request.app.state, "evidence", None)
    if svc is None:
        with _build_lock:
            svc = getattr(request.app.state, "evidence", None)
            if svc is None:
                s = context(request).services
                svc = EvidenceService(s.engine, s.sessions, s.settings.data_dir)
                request.app.state.evidence = svc
    return svc


def _audit(request: Request, action: str, principal: Principal, justification: str | None = None, **kw: Any) -> None:
    context(request).audit.record(action, principal, client=client_address(request), justification=justification, **kw)


@contextmanager
def _errors() -> Iterator[None]:
    """Evidence errors → HTTP answers (the shared error table does not know this domain)."""
    try:
        yield
    except EvidenceNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except EvidenceError as exc:
        raise HTTPException(422, str(exc)) from exc
    except ExportNotReady as exc:
        raise HTTPException(409, str(exc)) from exc
    except DeliveryRefused as exc:
        raise HTTPException(403, str(exc)) from exc


def _case_out(v: CaseView) -> CaseOut:
    c = v.case
    return CaseOut(
        id=c.id,
        reference=c.reference,
        title=c.title,
        owner=c.owner,
        organisation=c.organisation,
        review=iso(c.review_us),
        status=c.status,
        overdue=v.overdue,
        notes=c.notes,
        hold_ids=v.hold_ids,
        created_by=c.created_by,
        created=iso(c.created_us),
    )


def _hold_out(v: HoldView) -> EvidenceHoldOut:
    h = v.hold
    return EvidenceHoldOut(
        id=h.id,
        camera_id=h.camera_id,
        start=iso(h.start_us),
        end=iso(h.end_us),
        reason=h.reason,
        reference=h.reference,
        case_id=v.case_id,
        source=v.source,
        created_by=h.created_by,
        created=iso(h.created_us),
        released=iso(h.released_us) if h.released_us else None,
        released_by=h.released_by,
        release_reason=h.release_reason,
    )


def _exhibit_out(e: Exhibit) -> ExhibitOut:
    return ExhibitOut(
        id=e.id,
        kind=e.kind,
        camera_id=e.camera_id,
        path=e.path,
        sha256=e.sha256,
        size_bytes=e.size_bytes,
        start=iso(e.start_us),
        end=iso(e.end_us),
        derived_from=e.derived_from,
        steps=json.loads(e.steps),
    )


def _export_out(j: ExportJob, exhibits: list[Exhibit] | None = None) -> ExportOut:
    return ExportOut(
        id=j.id,
        state=j.state,
        progress=round(j.progress, 4),
        error=j.error,
        camera_ids=json.loads(j.camera_ids),
        start=iso(j.start_us),
        end=iso(j.end_us),
        justification=j.justification,
        reference=j.reference,
        case_id=j.case_id,
        created_by=j.created_by,
        created=iso(j.created_us),
        finished=iso(j.finished_us) if j.finished_us else None,
        manifest_sha256=j.manifest_sha256,
        exhibits=[_exhibit_out(e) for e in exhibits or []],
    )


def _case_in(body: CaseIn) -> CaseInput:
    review = parse_time(body.review, "review")
    return CaseInput(body.reference, body.owner, review, body.title, body.notes, body.status)


# Cases -----------------------------------------------------------------------------------------


@router.get("/cases", response_model=list[CaseOut])
def list_cases(principal: CurrentPrincipal, request: Request) -> list[CaseOut]:
    require(principal, Action.HOLD)
    return [_case_out(v) for v in _service(request).cases.all()]


@router.post("/cases", response_model=CaseOut, status_code=201)
def create_case(body: CaseIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
    require(principal, Action.HOLD)
    with _errors():
        view = _service(request).cases.create(
            _case_in(body), by=principal.username, organisation=principal.organisation
        )
    _audit(request, "case.create", principal, detail={"case_id": view.case.id, "reference": view.case.reference})
    return _case_out(view)


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: int, principal: CurrentPrincipal, request: Request) -> CaseOut:
    require(principal, Action.HOLD)
    with _errors():
        return _case_out(_service(request).cases.get(case_id))


@router.put("/cases/{case_id}", response_model=CaseOut)
def update_case(case_id: int, body: CaseIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
    require(principal, Action.HOLD)
    with _errors():
        view = _service(request).cases.update(case_id, _case_in(body))
    _audit(request, "case.update", principal, detail={"case_id": case_id, "status": body.status})
    return _case_out(view)


@router.delete("/cases/{case_id}", status_code=204)
def delete_case(case_id: int, principal: CurrentPrincipal, request: Request) -> None:
    require(principal, Action.HOLD)
    with _errors():
        _service(request).cases.delete(case_id)
    _audit(request, "case.delete", principal, detail={"case_id": case_id})


# Holds -----------------------------------------------------------------------------------------


@router.get("/evidence/holds", response_model=list[EvidenceHoldOut])
def list_holds(principal: CurrentPrincipal, request: Request, include_released: bool = True) -> list[EvidenceHoldOut]:
    require(principal, Action.HOLD)
    return [_hold_out(v) for v in _service(request).cases.holds(include_released=include_released)]


@router.post("/evidence/holds", response_model=EvidenceHoldOut, status_code=201)
def place_hold(body: EvidenceHoldIn, principal: CurrentPrincipal, request: Request) -> EvidenceHoldOut:
    require(principal, Action.HOLD, body.camera_id)
    start, end = parse_time(body.start, "start"), parse_time(body.end, "end")
    with _errors():
        view = _service(request).cases.place_hold(
            HoldInput(body.camera_id, start, end, body.reason, body.reference),
            by=principal.username,
            case_id=body.case_id,
            source=body.source,
            source_ref=body.source_ref,
        )
    _audit(
        request,
        "hold.create",
        principal,
        camera_id=body.camera_id,
        start_us=start,
        end_us=end,
        detail={"hold_id": view.hold.id, "case_id": body.case_id, "reason": body.reason, "source": body.source},
    )
    return _hold_out(view)


@router.post("/evidence/holds/{hold_id}/release", response_model=EvidenceHoldOut)
def release_hold(hold_id: int, body: ReleaseIn, principal: CurrentPrincipal, request: Request) -> EvidenceHoldOut:
    svc = _service(request)
    with _errors():
        current = svc.cases.hold(hold_id)
    require(principal, Action.HOLD_RELEASE, current.hold.camera_id)
    view = svc.cases.release_hold(hold_id, by=principal.username, reason=body.reason)
    _audit(
        request,
        "hold.release",
        principal,
        camera_id=view.hold.camera_id,
        start_us=view.hold.start_us,
        end_us=view.hold.end_us,
        detail={"hold_id": hold_id, "reason": body.reason},
    )
    return _hold_out(view)


# Exports ---------------------------------------------------------------------------------------


def _require_export(principal: Principal, camera_ids: list[int]) -> None:
    for camera_id in camera_ids:
        require(principal, Action.EXPORT, camera_id)


@router.post("/exports", response_model=ExportOut, status_code=202)
def create_export(body: ExportIn, principal: CurrentPrincipal, request: Request) -> ExportOut:
    """Start an export job. Police give the CAD or crime reference here (or stated one for the session)."""
    _require_export(principal, body.camera_ids)
    if principal.is_police and not body.reference.strip() and body.case_id is None:
        for camera_id in body.camera_ids:
            require_justified(principal, camera_id)
    start, end = parse_time(body.start, "start"), parse_time(body.end, "end")
    boxes = tuple(Redaction(r.x, r.y, r.width, r.height) for r in body.redactions)
    spec = ExportSpec(
        body.camera_ids, start, end, body.justification, body.reference, body.case_id, body.working_copy, boxes
    )
    with _errors():
        job = _service(request).create_export(
            spec, Exporter(principal.username, principal.role, principal.organisation)
        )
    for camera_id in body.camera_ids:
        _audit(
            request,
            "export.create",
            principal,
            justification=f"{body.justification} [{job.reference}]" if job.reference else body.justification,
            camera_id=camera_id,
            start_us=start,
            end_us=end,
            detail={"export_id": job.id, "justification": body.justification, "reference": job.reference},
        )
    return _export_out(job)


@router.get("/exports", response_model=list[ExportOut])
def list_exports(principal: CurrentPrincipal, request: Request) -> list[ExportOut]:
    require(principal, Action.EXPORT)  # export rights on some camera; then only exports of such cameras
    svc = _service(request)
    jobs = []
    for job in svc.exports():
        try:
            _require_export(principal, json.loads(job.camera_ids))
        except PermissionDenied:
            continue
        jobs.append(job)
    exhibits = svc.exhibits_of([j.id for j in jobs])
    return [_export_out(job, exhibits.get(job.id)) for job in jobs]


@router.get("/exports/{export_id}", response_model=ExportOut)
def get_export(export_id: str, principal: CurrentPrincipal, request: Request) -> ExportOut:
    svc = _service(request)
    with _errors():
        job = svc.export(export_id)
    _require_export(principal, json.loads(job.camera_ids))
    return _export_out(job, svc.exhibits(export_id))


def _etag(job: ExportJob) -> str:
    """Names the zip's bytes: the manifest fixes every file, the layout (``zip1``) fixes the rest."""
    return f'"zip1-{job.manifest_sha256}"'


def _wanted(request: Request, job: ExportJob) -> str | None:
    """The Range header, unless ``If-Range`` names another version of the zip (then the whole zip is sent)."""
    header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    return None if if_range is not None and if_range != _etag(job) else header


def _resuming(header: str | None) -> bool:
    """Whether a request continues a download (its range does not start at byte 0)."""
    try:
        wanted = parse_range(header, 1 << 62)
    except ValueError:
        return False
    return wanted is not None and wanted[0] > 0


def _logged(chunks: Iterator[bytes], export_id: str) -> Iterator[bytes]:
    try:
        yield from chunks
    except EvidenceError as exc:  # headers are gone: the client sees a short body
        log.error("download of export %s stopped: %s", export_id, exc)
        raise


def _zip_response(layout: ZipLayout, job: ExportJob, header: str | None) -> Response:
    """The zip, streamed as it is produced; one byte range of it (206) when asked for, to resume a download."""
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": _etag(job),
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'attachment; filename="evidence-{job.id[:8]}.zip"',
    }
    try:
        wanted = parse_range(header, layout.size)
    except ValueError:
        return Response(status_code=416, headers=headers | {"Content-Range": f"bytes */{layout.size}"})
    start, end = wanted or (0, layout.size)
    headers["Content-Length"] = str(end - start)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{layout.size}"
    body = _logged(layout.iter_bytes(start, end), job.id)
    return StreamingResponse(body, 206 if wanted else 200, headers, media_type="application/zip")


@router.get("/exports/{export_id}/bundle")
def download_bundle(export_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """The signed bundle as a zip, streamed (``Content-Length`` known up front; ``Range`` resumes)."""
    svc = _service(request)
    with _errors():
        job = svc.export(export_id)
        _require_export(principal, json.loads(job.camera_ids))
        header = _wanted(request, job)
        layout = svc.download(export_id, principal.username, resume=_resuming(header))
    _audit(
        request,
        "export.download",
        principal,
        justification=job.justification,
        start_us=job.start_us,
        end_us=job.end_us,
        detail={"export_id": export_id, "manifest_sha256": job.manifest_sha256} | ({"range": header} if header else {}),
    )
    return _zip_response(layout, job, header)


@router.post("/exports/{export_id}/working-copies", response_model=ExportOut, status_code=202)
def derive_working_copy(
    export_id: str, body: WorkingCopyIn, principal: CurrentPrincipal, request: Request
) -> ExportOut:
    """A working copy of one of the export's masters, made now as a new signed bundle (poll it like an export)."""
    svc = _service(request)
    with _errors():
        source = svc.export(export_id)
        _require_export(principal, json.loads(source.camera_ids))
        boxes = tuple(Redaction(r.x, r.y, r.width, r.height) for r in body.redactions)
        by = Exporter(principal.username, principal.role, principal.organisation)
        job, master = svc.create_working_copy(export_id, body.exhibit_id, body.justification, boxes, by)
    _audit(
        request,
        "exhibit.derive",
        principal,
        justification=body.justification,
        camera_id=master.camera_id,
        start_us=master.start_us,
        end_us=master.end_us,
        detail={
            "export_id": job.id,
            "derived_from_export": export_id,
            "derived_from_exhibit": master.id,
            "derived_from": master.sha256,
            "redactions": [r.model_dump() for r in body.redactions],
        },
    )
    return _export_out(job)


@router.post("/exports/{export_id}/deliveries", response_model=DeliveryOut, status_code=201)
def create_delivery(export_id: str, body: DeliveryIn, principal: CurrentPrincipal, request: Request) -> DeliveryOut:
    svc = _service(request)
    with _errors():
        job = svc.export(export_id)
        _require_export(principal, json.loads(job.camera_ids))
        link = svc.create_delivery(
            export_id, recipient=body.recipient, reason=body.reason, expires_s=body.expires_s, by=principal.username
        )
    _audit(
        request,
        "delivery.create",
        principal,
        justification=body.reason,
        start_us=job.start_us,
        end_us=job.end_us,
        detail={
            "export_id": export_id,
            "recipient": body.recipient,
            "reason": body.reason,
            "expires": iso(link.delivery.expires_us),
        },
    )
    d = link.delivery
    url = f"/api/v1/deliveries/{link.token}"
    return DeliveryOut(id=d.id, url=url, token=link.token, recipient=d.recipient, expires=iso(d.expires_us))


@router.get("/deliveries/{token}")
def redeem_delivery(token: str, principal: CurrentPrincipal, request: Request) -> Response:
    """The recipient's download. The link names one user; being that user is the permission."""
    svc = _service(request)
    try:
        with _errors():
            job = svc.export(svc.check_link(token, principal.username).export_id)
            header = _wanted(request, job)
            layout, delivery = svc.redeem(token, principal.username, resume=_resuming(header))
    except HTTPException as exc:
        _audit(request, "delivery.download", principal, outcome="denied", detail={"why": str(exc.detail)})
        raise
    _audit(
        request,
        "delivery.download",
        principal,
        justification=delivery.reason,
        detail={"export_id": delivery.export_id, "delivery_id": delivery.id, "reason": delivery.reason}
        | ({"range": header} if header else {}),
    )
    return _zip_response(layout, job, header)


@router.get("/disclosures", response_model=list[DisclosureOut])
def list_disclosures(principal: CurrentPrincipal, request: Request) -> list[DisclosureOut]:
    require(principal, Action.VIEW_AUDIT)
    return [_disclosure_out(d) for d in _service(request).disclosures()]


def _disclosure_out(d: Disclosure) -> DisclosureOut:
    return DisclosureOut(
        id=d.id,
        export_id=d.export_id,
        recipient=d.recipient,
        reason=d.reason,
        disclosed_by=d.disclosed_by,
        disclosed=iso(d.disclosed_us),
        reference=d.reference,
        manifest_sha256=d.manifest_sha256,
        via_link=d.delivery_id is not None,
    )


# Keys ------------------------------------------------------------------------------------------


@router.get("/evidence/keys", response_model=list[PublicKeyOut])
def public_keys(principal: CurrentPrincipal, request: Request) -> list[PublicKeyOut]:
    require(principal, Action.VIEW_CAMERAS)
    return [
        PublicKeyOut(
            key_id=k.key_id,
            public_key_pem=k.public_key_pem,
            created=k.created_utc,
            retired=k.retired_utc,
            current=k.current,
        )
        for k in _service(request).public_keys()
    ]


@router.post("/evidence/keys/rotate", response_model=list[PublicKeyOut])
def rotate_key(principal: CurrentPrincipal, request: Request) -> list[PublicKeyOut]:
    require(principal, Action.ADMIN)
    key_id = _service(request).keys.rotate()
    _audit(request, "evidence.key_rotate", principal, detail={"key_id": key_id})
    return public_keys(principal, request)

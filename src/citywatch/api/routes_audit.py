"""``/api/v1/audit``: search, export (CSV/JSON), periodic report and chain verification.

Administrators see everything; other readers (supervisors, partners, managers) see entries
about their organisation's cameras or made by their organisation's people: a partner sees who
looked at its cameras, never another partner's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from citywatch.access.audit import AuditFilter, entry_dict, to_csv
from citywatch.access.errors import PermissionDenied
from citywatch.access.principal import Action, Principal, require
from citywatch.api.deps import CurrentPrincipal, client_address, context, parse_time
from citywatch.api.schemas_access import AuditEntryOut, AuditReportOut, AuditVerifyOut
from citywatch.timeutil import iso, now_us

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def _filter(
    principal: Principal,
    username: str | None,
    camera_id: int | None,
    action: str | None,
    start: str | None,
    end: str | None,
    limit: int,
) -> AuditFilter:
    require(principal, Action.VIEW_AUDIT)
    return AuditFilter(
        username=username,
        camera_id=camera_id,
        action=action,
        start_us=None if start is None else parse_time(start, "start"),
        end_us=None if end is None else parse_time(end, "end"),
        organisation_id=None if principal.is_admin else principal.organisation_id or -1,
        limit=limit,
    )


@router.get("", response_model=list[AuditEntryOut])
def search(
    principal: CurrentPrincipal,
    request: Request,
    username: str | None = None,
    camera_id: int | None = None,
    action: str | None = None,
    start: str | None = None,
    end: str | None = None,
    limit: int = 500,
) -> list[AuditEntryOut]:
    """Newest first; ``action`` matches a prefix (``live`` finds ``live.start`` and ``live.stop``)."""
    where = _filter(principal, username, camera_id, action, start, end, limit)
    rows = context(request).audit.search(where)
    return [AuditEntryOut(**entry_dict(r)) for r in rows]


@router.get("/export")
def export(
    principal: CurrentPrincipal,
    request: Request,
    format: Literal["csv", "json"] = "csv",
    username: str | None = None,
    camera_id: int | None = None,
    action: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Response:
    """The matching entries as a download; the export itself is audited."""
    ctx = context(request)
    where = _filter(principal, username, camera_id, action, start, end, 100_000)
    rows = ctx.audit.search(where)
    ctx.audit.record(
        "audit.export",
        principal,
        client=client_address(request),
        detail={"format": format, "entries": len(rows), "username": username, "camera_id": camera_id},
    )
    stamp = iso(now_us()).replace(":", "")
    if format == "json":

        def body() -> Iterator[str]:
            yield "[\n"
            for i, row in enumerate(rows):
                yield ("," if i else "") + json.dumps(entry_dict(row), sort_keys=True) + "\n"
            yield "]\n"

        media = "application/json"
    else:

        def body() -> Iterator[str]:
            yield from to_csv(rows)

        media = "text/csv"
    headers = {"Content-Disposition": f'attachment; filename="audit-{stamp}.{format}"'}
    return StreamingResponse(body(), media_type=media, headers=headers)


@router.get("/report", response_model=AuditReportOut)
def report(principal: CurrentPrincipal, request: Request, start: str, end: str) -> AuditReportOut:
    """Counts of views, playbacks, exports, disclosures, holds, sign-ins in ``[start, end)``."""
    require(principal, Action.VIEW_AUDIT)
    start_us, end_us = parse_time(start, "start"), parse_time(end, "end")
    org = None if principal.is_admin else principal.organisation_id or -1
    counts = context(request).audit.report(start_us, end_us, org)
    return AuditReportOut(start=iso(start_us), end=iso(end_us), counts=counts)


@router.get("/verify", response_model=AuditVerifyOut)
def verify(principal: CurrentPrincipal, request: Request) -> AuditVerifyOut:
    """Walk the whole hash chain (administrators); names the first broken link."""
    if not principal.is_admin:
        raise PermissionDenied("only administrators verify the whole audit chain")
    checked, broken = context(request).audit.verify()
    return AuditVerifyOut(
        checked=checked,
        ok=broken is None,
        broken_at=None if broken is None else broken.seq,
        reason=None if broken is None else broken.reason,
    )

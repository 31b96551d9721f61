"""Footage requests from solicitors, insurers, the public (subject access), partners and police.

Deadlines run from receipt in London calendar months: one month for every request (the UK GDPR's
period for subject access, used as the service level for the others), extendable for subject access
by up to two further months with a reason. Police requests and subject access are free; others pay
the search fee of their duration band, and the supply fee only when footage is found and supplied.
Fulfilment starts an evidence export of the cameras within the request's radius that hold footage of its
period; the request is ``exporting`` while the job runs and follows it: ``fulfilled`` when the job is done,
``open`` again (with the job's error) when it failed. With no footage there is nothing to export: the
request is fulfilled at once as "no footage found", and the supply fee is not charged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from citywatch.evidence.models import ExportJob
from citywatch.partners import _tables
from citywatch.partners.domain import FeeBand, search_fee_p
from citywatch.partners.errors import PartnerError, PartnerNotFound
from citywatch.partners.models import FootageRequestRow
from citywatch.partners.money import HOUR_US, add_months, today_london
from citywatch.store.models import Recording

__all__ = [
    "DEFAULT_SEARCH_FEES",
    "DEFAULT_SUPPLY_FEE_P",
    "KINDS",
    "ExportOrder",
    "FootageRequest",
    "FootageRequests",
    "NewRequest",
]

KINDS = ("subject_access", "solicitor", "insurer", "partner", "police")
FREE_KINDS = ("subject_access", "police")
DEFAULT_SEARCH_FEES = (FeeBand(1.0, 44_000), FeeBand(6.0, 51_000), FeeBand(None, 55_000))
DEFAULT_SUPPLY_FEE_P = 21_000
MAX_EXTENSION_MONTHS = 2
_EARTH_M = 6_371_000.0


@dataclass(frozen=True, slots=True)
class NewRequest:
    requester_kind: str
    requester_name: str
    latitude: float
    longitude: float
    radius_m: float
    start_us: int
    end_us: int
    received_us: int
    requester_email: str = ""
    organisation_id: int | None = None
    reference: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class ExportOrder:
    """What the evidence export for a request covers; the caller starts it and answers the job's id."""

    request_id: int
    camera_ids: list[int]
    start_us: int
    end_us: int
    justification: str
    reference: str


@dataclass(frozen=True, slots=True)
class FootageRequest:
    id: int
    requester_kind: str
    requester_name: str
    requester_email: str
    organisation_id: int | None
    reference: str
    received_us: int
    identity_checked_us: int | None
    identity_method: str
    latitude: float
    longitude: float
    radius_m: float
    start_us: int
    end_us: int
    description: str
    search_fee_p: int
    supply_fee_p: int
    status: str
    deadline_on: date
    extended_months: int
    overdue: bool
    days_left: int
    closed_us: int | None
    footage_found: bool | None
    fulfilment_ref: str
    export_id: str | None

    @classmethod
    def from_row(cls, r: FootageRequestRow, today: date) -> FootageRequest:
        is_open = r.status in ("open", "exporting")
        return cls(
            r.id,
            r.requester_kind,
            r.requester_name,
            r.requester_email,
            r.organisation_id,
            r.reference,
            r.received_us,
            r.identity_checked_us,
            r.identity_method,
            r.latitude,
            r.longitude,
            r.radius_m,
            r.start_us,
            r.end_us,
            r.description,
            r.search_fee_p,
            r.supply_fee_p,
            r.status,
            r.deadline_on,
            r.extended_months,
            is_open and today > r.deadline_on,
            (r.deadline_on - today).days,
            r.closed_us,
            r.footage_found,
            r.fulfilment_ref,
            r.export_id,
        )


def _close_fulfilled(row: FootageRequestRow, footage_found: bool, ref: str, at_us: int) -> None:
    row.status, row.closed_us, row.footage_found, row.fulfilment_ref = "fulfilled", at_us, footage_found, ref
    if not footage_found:
        row.supply_fee_p = 0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(math.sqrt(h))


class FootageRequests:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self, req: NewRequest, *, bands: tuple[FeeBand, ...] | None, supply_fee_p: int | None, by: str
    ) -> FootageRequest:
        """``bands``/``supply_fee_p``: the partner's plan for partner requests, else the default tariff."""
        if req.requester_kind not in KINDS:
            raise PartnerError(f"requester_kind must be one of {', '.join(KINDS)}")
        if req.end_us <= req.start_us:
            raise PartnerError("the footage period must end after it starts")
        if not 0 < req.radius_m <= 5_000:
            raise PartnerError("radius_m is between 1 and 5000 metres")
        if req.requester_kind == "partner" and req.organisation_id is None:
            raise PartnerError("a partner request names the partner's organisation_id")
        free = req.requester_kind in FREE_KINDS
        hours = (req.end_us - req.start_us) / HOUR_US
        fee = 0 if free else search_fee_p(bands or DEFAULT_SEARCH_FEES, hours)
        supply = 0 if free else (DEFAULT_SUPPLY_FEE_P if supply_fee_p is None else supply_fee_p)
        received = today_london(req.received_us)
        row = FootageRequestRow(
            requester_kind=req.requester_kind,
            requester_name=req.requester_name,
            requester_email=req.requester_email,
            organisation_id=req.organisation_id,
            reference=req.reference,
            received_us=req.received_us,
            identity_method="",
            latitude=req.latitude,
            longitude=req.longitude,
            radius_m=req.radius_m,
            start_us=req.start_us,
            end_us=req.end_us,
            description=req.description,
            search_fee_p=fee,
            supply_fee_p=supply,
            status="open",
            deadline_on=add_months(received, 1),
            extended_months=0,
            extension_reason="",
            fulfilment_ref="",
            created_by=by,
        )
        with self._sessions.begin() as s:
            s.add(row)
            s.flush()
            return FootageRequest.from_row(row, received)

    def find(
        self, *, today: date, status: str | None = None, organisation_id: int | None = None
    ) -> list[FootageRequest]:
        self.follow_exports()
        with self._sessions() as s:
            q = select(FootageRequestRow).order_by(FootageRequestRow.deadline_on, FootageRequestRow.id)
            if status is not None:
                q = q.where(FootageRequestRow.status == status)
            if organisation_id is not None:
                q = q.where(FootageRequestRow.organisation_id == organisation_id)
            return [FootageRequest.from_row(r, today) for r in s.scalars(q)]

    def get(self, request_id: int, *, today: date) -> FootageRequest:
        self.follow_exports()
        with self._sessions() as s:
            return FootageRequest.from_row(self._row(s, request_id), today)

    def check_identity(self, request_id: int, method: str, *, at_us: int) -> FootageRequest:
        if not method.strip():
            raise PartnerError("say how identity was checked (e.g. 'passport seen, matches the images')")
        with self._sessions.begin() as s:
            row = self._open(s, request_id)
            row.identity_checked_us, row.identity_method = at_us, method
            return FootageRequest.from_row(row, today_london(at_us))

    def extend(self, request_id: int, months: int, reason: str, *, today: date) -> FootageRequest:
        with self._sessions.begin() as s:
            row = self._open(s, request_id)
            if row.requester_kind != "subject_access":
                raise PartnerError("only subject access requests can be extended")
            if months < 1 or row.extended_months + months > MAX_EXTENSION_MONTHS:
                raise PartnerError(
                    f"a subject access request can be extended by at most {MAX_EXTENSION_MONTHS} "
                    f"months in all; {row.extended_months} used"
                )
            if not reason.strip():
                raise PartnerError("an extension needs a reason the requester is told about")
            row.extended_months += months
            row.deadline_on = add_months(add_months(today_london(row.received_us), 1), row.extended_months)
            row.extension_reason = reason
            return FootageRequest.from_row(row, today)

    def fulfil(self, request_id: int, *, footage_found: bool, fulfilment_ref: str, at_us: int) -> FootageRequest:
        """Record a fulfilment: by an export made outside this request, or "no footage found"."""
        with self._sessions.begin() as s:
            row = self._open(s, request_id)
            self._may_disclose(row)
            if footage_found and not fulfilment_ref.strip():
                raise PartnerError("name the evidence export that carried the footage")
            _close_fulfilled(row, footage_found, fulfilment_ref, at_us)
            return FootageRequest.from_row(row, today_london(at_us))

    def claim_for_export(self, request_id: int, camera_ids: list[int] | None, *, at_us: int) -> ExportOrder | None:
        """Mark the request ``exporting`` and say what to export; ``None`` when no camera has footage (fulfilled).

        ``camera_ids``: a choice among the cameras within the radius; by default all of those with footage.
        """
        candidates = self.candidate_cameras(request_id)
        with_footage = [int(str(c["camera_id"])) for c in candidates if c["has_footage"]]
        within = {int(str(c["camera_id"])) for c in candidates}
        if camera_ids is not None:
            outside = sorted(set(camera_ids) - within)
            if outside:
                raise PartnerError(f"cameras {outside} are not within the request's radius")
            with_footage = [c for c in with_footage if c in set(camera_ids)]
        with self._sessions.begin() as s:
            row = self._open(s, request_id)
            self._may_disclose(row)
            if not with_footage:
                _close_fulfilled(row, False, "no footage of the period within the radius", at_us)
                return None
            row.status, row.export_id, row.fulfilment_ref = "exporting", None, ""
            who = f"{row.requester_kind.replace('_', ' ')} request from {row.requester_name}"
            return ExportOrder(
                row.id, with_footage, row.start_us, row.end_us, f"Footage request {row.id}: {who}",
                row.reference or f"FR-{row.id}",
            )  # fmt: skip

    def link_export(self, request_id: int, export_id: str) -> None:
        with self._sessions.begin() as s:
            s.execute(
                update(FootageRequestRow)
                .where(FootageRequestRow.id == request_id, FootageRequestRow.status == "exporting")
                .values(export_id=export_id, fulfilment_ref=export_id)
            )

    def release(self, request_id: int, reason: str) -> None:
        """The export could not start: the request is open again, with why."""
        with self._sessions.begin() as s:
            s.execute(
                update(FootageRequestRow)
                .where(FootageRequestRow.id == request_id, FootageRequestRow.status == "exporting")
                .values(status="open", export_id=None, fulfilment_ref=reason[:200])
            )

    def follow_exports(self) -> None:
        """Requests whose export finished take its outcome: done → fulfilled; failed → open, with the error."""
        with self._sessions.begin() as s:
            q = select(FootageRequestRow, ExportJob).join(ExportJob, ExportJob.id == FootageRequestRow.export_id)
            for row, job in s.execute(q.where(FootageRequestRow.status == "exporting")):
                if job.state == "done":
                    _close_fulfilled(row, True, job.id, job.finished_us or job.created_us)
                elif job.state == "failed":
                    row.status, row.export_id = "open", None
                    row.fulfilment_ref = f"export {job.id} failed: {job.error}"[:200]

    @staticmethod
    def _may_disclose(row: FootageRequestRow) -> None:
        if row.requester_kind == "subject_access" and row.identity_checked_us is None:
            raise PartnerError("check the requester's identity before disclosing footage")

    def close(self, request_id: int, status: str, reason: str, *, at_us: int) -> FootageRequest:
        if status not in ("refused", "withdrawn"):
            raise PartnerError("a request is closed as 'refused' or 'withdrawn'")
        with self._sessions.begin() as s:
            row = self._open(s, request_id)
            row.status, row.closed_us, row.fulfilment_ref = status, at_us, reason
            row.search_fee_p = row.supply_fee_p = 0
            return FootageRequest.from_row(row, today_london(at_us))

    def candidate_cameras(self, request_id: int) -> list[dict[str, object]]:
        """Cameras within the radius, nearest first, with whether footage exists in the period."""
        with self._sessions() as s:
            r = self._row(s, request_id)
            c = _tables.cameras.c
            out = []
            for cid, name, lat, lon in s.execute(select(c.id, c.name, c.latitude, c.longitude)):
                if lat is None or lon is None:
                    continue
                d = distance_m(r.latitude, r.longitude, lat, lon)
                if d > r.radius_m:
                    continue
                has = s.scalar(
                    select(Recording.id)
                    .where(Recording.camera_id == cid, Recording.start_us < r.end_us, Recording.end_us > r.start_us)
                    .limit(1)
                )
                out.append({"camera_id": cid, "name": name, "distance_m": round(d, 1), "has_footage": has is not None})
            return sorted(out, key=lambda x: float(str(x["distance_m"])))

    @staticmethod
    def _row(s: Session, request_id: int) -> FootageRequestRow:
        row = s.get(FootageRequestRow, request_id)
        if row is None:
            raise PartnerNotFound(f"no footage request {request_id}")
        return row

    def _open(self, s: Session, request_id: int) -> FootageRequestRow:
        row = self._row(s, request_id)
        if row.status != "open":
            raise PartnerError(f"footage request {request_id} is already {row.status}")
        return row

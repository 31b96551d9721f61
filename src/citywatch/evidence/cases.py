"""Cases and the holds linked to them: who owns an investigation, when it is next reviewed.

A hold itself lives in ``holds`` (retention reads it); this module links it to a case and records
where it was placed from (timeline, alarm, tracking incident). A case whose review date has passed
while still open is flagged overdue wherever it is listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.evidence.errors import EvidenceError, EvidenceNotFound
from citywatch.evidence.models import CaseHold, EvidenceCase, ExportJob
from citywatch.store.models import Hold
from citywatch.timeutil import now_us
from citywatch.video.holds import HoldInput, HoldService

__all__ = ["CaseInput", "CaseService", "CaseView", "HoldView"]

_SOURCES = ("timeline", "alarm", "tracking")


@dataclass(frozen=True, slots=True)
class CaseInput:
    reference: str
    owner: str
    review_us: int
    title: str = ""
    notes: str = ""
    status: str = "open"

    def check(self) -> None:
        if not self.reference.strip():
            raise EvidenceError("give the crime or CAD reference of the case")
        if not self.owner.strip():
            raise EvidenceError("name the case's owner (the officer or operator responsible)")
        if self.status not in ("open", "closed"):
            raise EvidenceError("a case's status is open or closed")


@dataclass(frozen=True, slots=True)
class CaseView:
    case: EvidenceCase
    overdue: bool
    hold_ids: list[int]


@dataclass(frozen=True, slots=True)
class HoldView:
    hold: Hold
    case_id: int | None
    source: str


class CaseService:
    def __init__(self, sessions: sessionmaker[Session], holds: HoldService) -> None:
        self._sessions = sessions
        self._holds = holds

    def _view(self, session: Session, case: EvidenceCase, at_us: int) -> CaseView:
        ids = list(session.scalars(select(CaseHold.hold_id).where(CaseHold.case_id == case.id)))
        return CaseView(case, case.status == "open" and case.review_us < at_us, ids)

    def create(self, data: CaseInput, *, by: str, organisation: str) -> CaseView:
        data.check()
        now = now_us()
        with self._sessions.begin() as session:
            case = EvidenceCase(
                reference=data.reference.strip(), title=data.title.strip(), owner=data.owner.strip(),
                organisation=organisation, review_us=data.review_us, status=data.status, notes=data.notes,
                created_by=by, created_us=now, updated_us=now,
            )  # fmt: skip
            session.add(case)
            session.flush()
            return self._view(session, case, now)

    def update(self, case_id: int, data: CaseInput) -> CaseView:
        data.check()
        with self._sessions.begin() as session:
            case = self._get(session, case_id)
            case.reference, case.title, case.owner = data.reference.strip(), data.title.strip(), data.owner.strip()
            case.review_us, case.status, case.notes, case.updated_us = data.review_us, data.status, data.notes, now_us()
            return self._view(session, case, now_us())

    def delete(self, case_id: int) -> None:
        """Only a case with no holds and no exports can go; otherwise close it."""
        with self._sessions.begin() as session:
            case = self._get(session, case_id)
            if session.scalar(select(CaseHold.hold_id).where(CaseHold.case_id == case_id).limit(1)) is not None:
                raise EvidenceError(f"case {case_id} has holds; release them or close the case instead")
            if session.scalar(select(ExportJob.id).where(ExportJob.case_id == case_id).limit(1)) is not None:
                raise EvidenceError(f"case {case_id} has exports; close the case instead of deleting it")
            session.delete(case)

    def get(self, case_id: int) -> CaseView:
        with self._sessions() as session:
            return self._view(session, self._get(session, case_id), now_us())

    def all(self) -> list[CaseView]:
        now = now_us()
        with self._sessions() as session:
            cases = session.scalars(select(EvidenceCase).order_by(EvidenceCase.review_us)).all()
            return [self._view(session, c, now) for c in cases]

    @staticmethod
    def _get(session: Session, case_id: int) -> EvidenceCase:
        case = session.get(EvidenceCase, case_id)
        if case is None:
            raise EvidenceNotFound(f"no case {case_id}")
        return case

    def place_hold(
        self, data: HoldInput, *, by: str, case_id: int | None, source: str = "timeline", source_ref: str = ""
    ) -> HoldView:
        """Place a hold (video/holds.py) and link it to ``case_id``; the case's reference is the hold's."""
        if source not in _SOURCES:
            raise EvidenceError(f"a hold comes from one of {', '.join(_SOURCES)}")
        if case_id is not None:
            reference = self.get(case_id).case.reference
            data = HoldInput(data.camera_id, data.start_us, data.end_us, data.reason, data.reference or reference)
        hold = self._holds.place(data, by=by)
        if case_id is not None:
            with self._sessions.begin() as session:
                session.add(CaseHold(hold_id=hold.id, case_id=case_id, source=source, source_ref=source_ref))
        return HoldView(hold, case_id, source)

    def holds(self, *, include_released: bool = True) -> list[HoldView]:
        with self._sessions() as session:
            links = {
                h: (c, s) for h, c, s in session.execute(select(CaseHold.hold_id, CaseHold.case_id, CaseHold.source))
            }
        return [
            HoldView(h, *links.get(h.id, (None, "timeline")))
            for h in self._holds.list(include_released=include_released)
        ]

    def hold(self, hold_id: int) -> HoldView:
        for view in self.holds():
            if view.hold.id == hold_id:
                return view
        raise EvidenceNotFound(f"no hold {hold_id}")

    def release_hold(self, hold_id: int, *, by: str, reason: str) -> HoldView:
        released = self._holds.release(hold_id, by=by, reason=reason)
        view = self.hold(released.id)
        return HoldView(released, view.case_id, view.source)

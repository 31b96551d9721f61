"""Holds linked to cases keep their footage through the retention job and a full-disk clean-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from citywatch.config import RetentionSettings
from citywatch.evidence.cases import CaseInput, CaseService
from citywatch.evidence.errors import EvidenceError
from citywatch.evidence.verify import verify_bundle
from citywatch.store.models import Deletion, Recording
from citywatch.timeutil import now_us
from citywatch.video.holds import HoldError, HoldInput, HoldService
from citywatch.video.retention import RetentionReport, free_space, run_retention
from tests.evidence.bundles import export
from tests.playback_fixtures import record

DAY_US = 86_400_000_000


def _paths(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.sessions() as s:
        return list(s.scalars(select(Recording.path).order_by(Recording.start_us)))


def test_held_footage_survives_retention_and_a_full_disk_until_released(tmp_path: Path) -> None:
    rec = record(tmp_path / "rec")  # footage from November 2025: past any 31-day retention
    services = rec.services
    try:
        cases = CaseService(services.sessions, HoldService(services.sessions))
        case = cases.create(CaseInput("01/12345/25", "DC Jones", now_us() + 7 * DAY_US), by="dc.jones",
                            organisation="Metropolitan Police")  # fmt: skip
        held_start, held_end = rec.run1_start_us + 12_000_000, rec.run1_start_us + 15_000_000  # inside file 2
        view = cases.place_hold(HoldInput(1, held_start, held_end, "assault, CAD 4411"), by="dc.jones",
                                case_id=case.case.id, source="alarm", source_ref="alarm 17")  # fmt: skip
        assert view.hold.reference == "01/12345/25", "the hold carries the case's reference"
        assert cases.get(case.case.id).hold_ids == [view.hold.id]
        before = _paths(services)
        media = services.settings.effective_media_dirs
        run_retention(services.sessions, media, RetentionSettings(min_free_bytes=0, free_alarm_bytes=0))
        kept = _paths(services)
        assert len(kept) == 1 and kept[0] in before, "only the held file is left after retention"
        assert (media[0] / kept[0]).exists()

        report = RetentionReport()
        assert not free_space(services.sessions, media[0], 1 << 62, report, reason="disk_full"), (
            "a disk that cannot be freed says so"
        )
        assert _paths(services) == kept and report.deleted_files == 0, "a full disk does not take held footage"
        bundle = export(services, tmp_path / "bundle", held_start, held_end)
        assert verify_bundle(bundle.folder).ok, "held footage still exports"

        with pytest.raises(HoldError):
            cases.release_hold(view.hold.id, by="dc.jones", reason="  ")
        released = cases.release_hold(view.hold.id, by="dc.jones", reason="no further action; CPS declined")
        assert released.hold.released_us is not None and released.case_id == case.case.id
        run_retention(services.sessions, media, RetentionSettings(min_free_bytes=0, free_alarm_bytes=0))
        assert _paths(services) == []
        with services.sessions() as s:
            reasons = {d.reason for d in s.scalars(select(Deletion))}
        assert reasons == {"retention_age"}
    finally:
        services.close()


def test_cases_are_flagged_overdue_and_keep_their_holds(tmp_path: Path) -> None:
    rec = record(tmp_path / "rec")
    try:
        cases = CaseService(rec.services.sessions, HoldService(rec.services.sessions))
        late = cases.create(CaseInput("CAD 99", "PC Smith", now_us() - DAY_US), by="a", organisation="Council")
        fine = cases.create(CaseInput("CAD 100", "PC Smith", now_us() + DAY_US), by="a", organisation="Council")
        assert {v.case.reference: v.overdue for v in cases.all()} == {"CAD 99": True, "CAD 100": False}
        closed = cases.update(late.case.id, CaseInput("CAD 99", "PC Smith", now_us() - DAY_US, status="closed"))
        assert not closed.overdue, "a closed case is not overdue"
        cases.place_hold(HoldInput(1, rec.run1_start_us, rec.run1_end_us, "x"), by="a", case_id=fine.case.id)
        with pytest.raises(EvidenceError, match="has holds"):
            cases.delete(fine.case.id)
        with pytest.raises(EvidenceError):
            cases.create(CaseInput(" ", "PC Smith", 0), by="a", organisation="")
    finally:
        rec.services.close()

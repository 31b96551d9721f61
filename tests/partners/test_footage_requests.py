"""Footage requests: fees by band (police and subject access free), identity, deadlines, overdue, radius."""

from __future__ import annotations

from datetime import date

import pytest

from citywatch.partners.errors import PartnerError
from citywatch.partners.footage import NewRequest
from citywatch.partners.service import PartnersService
from tests.partners.conftest import HOUR, Rows, london_us

RECEIVED = london_us(date(2026, 1, 31), 10)


def _req(kind: str, hours: float, **kw: object) -> NewRequest:
    start = london_us(date(2026, 1, 30), 20)
    return NewRequest(kind, "A. Requester", 51.4920, -0.2236, 150, start, start + int(hours * HOUR), RECEIVED, **kw)  # type: ignore[arg-type]


def test_fees_by_band_and_free_requests(partners: PartnersService) -> None:
    fees = {
        (kind, hours): (r.search_fee_p, r.supply_fee_p)
        for kind, hours in [
            ("solicitor", 1),
            ("insurer", 1.5),
            ("solicitor", 6),
            ("insurer", 7),
            ("police", 7),
            ("subject_access", 2),
        ]
        for r in [partners.new_footage_request(_req(kind, hours), by="admin")]
    }
    assert fees == {
        ("solicitor", 1): (44_000, 21_000),
        ("insurer", 1.5): (51_000, 21_000),
        ("solicitor", 6): (51_000, 21_000),
        ("insurer", 7): (55_000, 21_000),
        ("police", 7): (0, 0),
        ("subject_access", 2): (0, 0),
    }


def test_subject_access_deadline_extension_identity_and_overdue(partners: PartnersService) -> None:
    r = partners.new_footage_request(_req("subject_access", 1), by="admin")
    assert r.deadline_on == date(2026, 2, 28)  # one calendar month, clamped to February's end
    assert not partners.footage.get(r.id, today=date(2026, 2, 28)).overdue
    assert partners.footage.get(r.id, today=date(2026, 3, 1)).overdue
    with pytest.raises(PartnerError, match="identity"):
        partners.footage.fulfil(r.id, footage_found=True, fulfilment_ref="export 3", at_us=RECEIVED + HOUR)
    extended = partners.footage.extend(r.id, 2, "complex: many third parties to redact", today=date(2026, 2, 1))
    assert extended.deadline_on == date(2026, 4, 28) and extended.extended_months == 2
    with pytest.raises(PartnerError, match="at most 2"):
        partners.footage.extend(r.id, 1, "more", today=date(2026, 2, 1))
    partners.footage.check_identity(r.id, "passport seen; matches the footage", at_us=RECEIVED + HOUR)
    done = partners.footage.fulfil(r.id, footage_found=True, fulfilment_ref="export 3", at_us=RECEIVED + 2 * HOUR)
    assert done.status == "fulfilled" and not done.overdue
    assert [x.id for x in partners.footage.find(today=date(2026, 6, 1), status="open")] == []
    solicitor = partners.new_footage_request(_req("solicitor", 1), by="admin")
    with pytest.raises(PartnerError, match="only subject access"):
        partners.footage.extend(solicitor.id, 1, "busy", today=date(2026, 2, 1))
    nothing = partners.footage.fulfil(solicitor.id, footage_found=False, fulfilment_ref="", at_us=RECEIVED)
    assert (nothing.search_fee_p, nothing.supply_fee_p) == (44_000, 0)  # the search was done; nothing to supply


def test_cameras_within_the_radius_nearest_first(partners: PartnersService, rows: Rows) -> None:
    near = rows.camera("Broadway-PTZ", None, lat=51.4921, lon=-0.2236)  # ~11 m
    mid = rows.camera("Broadway-2", None, lat=51.4928, lon=-0.2236)  # ~89 m
    rows.camera("King-St", None, lat=51.4927, lon=-0.2310)  # ~520 m: outside
    r = partners.new_footage_request(_req("insurer", 2), by="admin")
    rows.recording(mid, r.start_us + HOUR, r.start_us + HOUR + 60_000_000)
    found = partners.footage.candidate_cameras(r.id)
    assert [(c["camera_id"], c["has_footage"]) for c in found] == [(near, False), (mid, True)]

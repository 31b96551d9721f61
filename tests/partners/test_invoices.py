"""Invoices add up, line by line, for a mid-month start, a camera offline for days and a plan change."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from citywatch.partners.directory import ContractSpec, Onboarding
from citywatch.partners.footage import NewRequest
from citywatch.partners.invoices import Invoice
from citywatch.partners.money import pounds
from citywatch.partners.render import invoice_csv, invoice_html, invoice_pdf
from citywatch.partners.service import PartnersService
from tests.conftest import require_tool
from tests.partners.conftest import HOUR, NOW_US, Rows, london_us

OCT_START = london_us(date(2026, 10, 1))
NOV_START = london_us(date(2026, 11, 1))
MONITORED = {
    "name": "Monitored",
    "tier": "monitored",
    "connection_fee_p": 50_000,
    "monitoring_per_camera_hour_p": 42,
    "search_fees": [[1, 44_000], [6, 51_000], [None, 55_000]],
    "supply_fee_p": 21_000,
    "sla_uptime_pct": 99.0,
    "sla_credit_pct": 10.0,
}
RECORD_ONLY = {
    "name": "Record only",
    "tier": "record_only",
    "connection_fee_p": 50_000,
    "retainer_per_camera_month_p": 10_000,
}


def _invariants(inv: Invoice) -> None:
    assert inv.net_p == sum(line.amount_p for line in inv.lines)
    assert inv.vat_p == int(inv.net_p * 0.2 + 0.5)  # 20 %, half up
    assert inv.total_p == inv.net_p + inv.vat_p
    ids = {r.id for r in inv.readings}
    for line in inv.lines:
        for ref in line.readings:
            assert ref in ids or ref.startswith("request:"), ref


def _record_month(rows: Rows, cam: int, *, skip: tuple[int, int] | None = None) -> None:
    if skip is None:
        rows.recordings(cam, OCT_START, NOV_START, HOUR, 1_000)
    else:
        rows.recordings(cam, OCT_START, skip[0], HOUR, 1_000)
        rows.recordings(cam, skip[1], NOV_START, HOUR, 1_000)


def test_mid_month_start_and_a_camera_offline_for_three_days(partners: PartnersService, rows: Rows) -> None:
    partners.directory.put_plan("monitored", MONITORED)
    org = rows.org("Westfield London")
    cam1, cam2 = rows.camera("WF-1", org), rows.camera("WF-2", org)
    offline = (london_us(date(2026, 10, 20)), london_us(date(2026, 10, 23)))
    _record_month(rows, cam1)
    _record_month(rows, cam2, skip=offline)
    rows.gap(cam2, *offline)
    partners.directory.add_contract(org, ContractSpec("monitored", "WF-2026", date(2026, 10, 15)))

    inv = partners.invoice(org, "2026-10", now_us=NOW_US)
    _invariants(inv)
    # 15 Oct 00:00 BST → 1 Nov 00:00 GMT is 17 days and the extra hour of the clock change: 409 h.
    lines = {line.code: line for line in inv.lines}
    assert set(lines) == {"connection", "monitoring", "sla_credit"}
    assert lines["connection"].amount_p == 2 * 50_000
    assert lines["monitoring"].quantity == "746.000"  # 409 + (409 − 72)
    assert lines["monitoring"].amount_p == 746 * 42
    assert lines["sla_credit"].amount_p == -round(0.10 * 337 * 42)  # camera 2 only: 82 % recorded
    assert str(cam2) in lines["sla_credit"].description and f"{cam1}," not in lines["sla_credit"].description
    assert (inv.net_p, inv.vat_p, inv.total_p) == (129_917, 25_983, 155_900)
    assert inv.number == f"CW-202610-{org:04d}"

    availability = {a.camera_id: a for a in partners.availability(org, "2026-10", now_us=NOW_US)}
    assert availability[cam1].meets_sla and not availability[cam2].meets_sla
    assert availability[cam2].uptime_pct == round(100 * (745 - 72) / 745, 3)

    september = partners.invoice(org, "2026-09", now_us=NOW_US)
    assert september.lines == [] and september.total_p == 0


def test_plan_change_mid_month_and_a_footage_search(partners: PartnersService, rows: Rows) -> None:
    partners.directory.put_plan("monitored", MONITORED)
    partners.directory.put_plan("record-only", RECORD_ONLY)
    partner = partners.directory.onboard(
        Onboarding(
            "Charing Cross Hospital",
            contacts=[{"name": "Security manager", "role": "security"}],
            sites=[{"name": "Fulham Palace Road"}],
            contract=ContractSpec("record-only", "CXH-1", date(2026, 9, 1)),
        )
    )
    cams = [rows.camera(f"CXH-{i}", partner.id) for i in range(3)]
    for cam in cams:
        _record_month(rows, cam)
    changed = partners.directory.change_plan(partner.id, "monitored", date(2026, 10, 21), "CXH-2")
    assert changed.connection_fee_due is False
    req = partners.new_footage_request(
        NewRequest(
            "partner",
            "Security manager",
            51.4875,
            -0.2199,
            200,
            london_us(date(2026, 10, 21), 13),
            london_us(date(2026, 10, 21), 15),
            london_us(date(2026, 10, 21), 16),
            organisation_id=partner.id,
            reference="CXH-INC-7",
        ),
        by="admin",
    )
    assert (req.search_fee_p, req.supply_fee_p) == (51_000, 21_000)  # the 1–6 h band
    partners.footage.fulfil(req.id, footage_found=True, fulfilment_ref="export 12", at_us=london_us(date(2026, 10, 22)))

    inv = partners.invoice(partner.id, "2026-10", now_us=NOW_US)
    _invariants(inv)
    by = [(line.contract_ref, line.code, line.amount_p) for line in inv.lines]
    # 1–21 Oct (480 h of 745) at £100 a camera-month, then 265 h × 3 cameras at 42p.
    assert by == [
        ("CXH-1", "retainer", round(3 * 480 / 745 * 10_000)),
        ("CXH-2", "monitoring", 3 * 265 * 42),
        ("CXH-2", "search", 51_000),
        ("CXH-2", "supply", 21_000),
    ]
    assert (inv.net_p, inv.vat_p, inv.total_p) == (124_719, 24_944, 149_663)


def test_csv_and_html_show_the_same_sums(partners: PartnersService, rows: Rows) -> None:
    partners.directory.put_plan("monitored", MONITORED)
    org = rows.org("QPR")
    cam = rows.camera("LR-1", org)
    _record_month(rows, cam)
    partners.directory.add_contract(org, ContractSpec("monitored", "QPR-1", date(2026, 10, 1)))
    inv = partners.invoice(org, "2026-10", now_us=NOW_US)
    table = list(csv.DictReader(io.StringIO(invoice_csv([inv]))))
    items = [r for r in table if r["code"] not in ("net", "vat", "total")]
    totals = {r["code"]: int(r["amount_p"]) for r in table if r["code"] in ("net", "vat", "total")}
    assert sum(int(r["amount_p"]) for r in items) == totals["net"] == inv.net_p
    assert totals["total"] == totals["net"] + totals["vat"]
    html = invoice_html(inv)
    assert pounds(inv.total_p) in html and pounds(inv.net_p) in html and "<script" not in html
    assert inv.net_p == 745 * 42 + 50_000 and pounds(inv.net_p) == "£812.90"


def test_pdf_invoice_is_a_pdf_with_pages(partners: PartnersService, rows: Rows) -> None:
    require_tool("chromium")
    partners.directory.put_plan("monitored", MONITORED)
    org = rows.org("Fulham FC")
    rows.camera("CC-1", org)
    partners.directory.add_contract(org, ContractSpec("monitored", "FFC-1", date(2026, 10, 1)))
    pdf = invoice_pdf(invoice_html(partners.invoice(org, "2026-10", now_us=NOW_US)))
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 1


def test_overlapping_contracts_are_refused(partners: PartnersService, rows: Rows) -> None:
    from citywatch.partners.errors import PartnerError

    partners.directory.put_plan("monitored", MONITORED)
    org = rows.org("Chelsea FC")
    partners.directory.add_contract(org, ContractSpec("monitored", "CFC-1", date(2026, 10, 1)))
    with pytest.raises(PartnerError, match="already covers"):
        partners.directory.add_contract(org, ContractSpec("monitored", "CFC-2", date(2026, 12, 1)))

"""The demo borough's partners: plans, contracts, contacts, register entries, footage requests, pipeline.

``seed_partners(sessions)`` is idempotent (matched by plan code, organisation and camera name) so that
``citywatch demo`` can call it on every start. Cameras are matched by the demo's names (citywatch/demo.py);
amounts follow public council papers (e.g. 40–42p per camera-hour of monitoring, £500 + £100 a month
record-only, £440–£550 + £210 for a footage search) and are data, not policy (docs/design/partners.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.models import Organisation
from citywatch.partners import _tables
from citywatch.partners.directory import ContractSpec, Directory, Onboarding
from citywatch.partners.footage import FootageRequests, NewRequest
from citywatch.partners.models import FootageRequestRow, ProspectRow
from citywatch.partners.money import london_midnight_us, today_london
from citywatch.partners.register import RegisterService
from citywatch.timeutil import now_us as _now_us

__all__ = ["PLANS", "SeedSummary", "seed_partners"]

_BANDS = [[1, 44_000], [6, 51_000], [None, 55_000]]
PLANS: dict[str, dict[str, Any]] = {
    "monitored": {
        "name": "Monitored 24/7",
        "tier": "monitored",
        "connection_fee_p": 50_000,
        "monitoring_per_camera_hour_p": 42,
        "search_fees": _BANDS,
        "supply_fee_p": 21_000,
        "sla_uptime_pct": 99.5,
        "sla_credit_pct": 10.0,
    },
    "match-day": {
        "name": "Match-day monitoring",
        "tier": "monitored",
        "connection_fee_p": 50_000,
        "monitoring_per_camera_hour_p": 42,
        "monitoring_basis": "wall",
        "link_per_camera_month_p": 5_000,
        "ptz_per_minute_p": 50,
        "search_fees": _BANDS,
        "supply_fee_p": 21_000,
        "sla_uptime_pct": 99.0,
        "sla_credit_pct": 5.0,
    },
    "record-only": {
        "name": "Record only (28 days)",
        "tier": "record_only",
        "connection_fee_p": 50_000,
        "retainer_per_camera_month_p": 10_000,
        "search_fees": _BANDS,
        "supply_fee_p": 21_000,
        "sla_uptime_pct": 99.0,
        "sla_credit_pct": 10.0,
    },
    "link-only": {
        "name": "Link only",
        "tier": "link_only",
        "connection_fee_p": 50_000,
        "link_per_camera_month_p": 4_000,
        "sla_uptime_pct": 98.0,
    },
    "nhs-nominal": {
        "name": "NHS nominal cost",
        "tier": "nominal",
        "monitoring_per_camera_hour_p": 1,
        "retainer_per_camera_month_p": 100,
        "search_fees": [[None, 0]],
        "sla_uptime_pct": 99.0,
    },
}

# partner → (kind of place, plan, contract start, end, camera-name prefixes, site, contact)
_PARTNERS: list[tuple[str, str, date, date | None, tuple[str, ...], str, dict[str, str]]] = [
    (
        "Westfield London",
        "monitored",
        date(2025, 4, 1),
        date(2030, 3, 31),
        ("Westfield London",),
        "Westfield London, Ariel Way W12",
        {"name": "Head of Security", "role": "security", "email": "security@westfield.example"},
    ),
    (
        "Queens Park Rangers FC",
        "match-day",
        date(2026, 8, 1),
        None,
        ("Loftus Road",),
        "Loftus Road Stadium, South Africa Road W12",
        {"name": "Stadium Safety Officer", "role": "security", "email": "safety@qpr.example"},
    ),
    (
        "Fulham FC",
        "record-only",
        date(2026, 6, 1),
        date(2029, 5, 31),
        ("Craven Cottage",),
        "Craven Cottage, Stevenage Road SW6",
        {"name": "Head of Operations", "role": "security", "email": "ops@fulhamfc.example"},
    ),
    (
        "Imperial College Healthcare NHS Trust",
        "nhs-nominal",
        date(2026, 1, 1),
        None,
        ("Charing Cross Hospital", "Claybrook Centre"),
        "Charing Cross Hospital, Fulham Palace Road W6",
        {"name": "Trust Security Manager", "role": "security", "email": "security@imperial-nhs.example"},
    ),
]
_PIPELINE = [  # name, plan, cameras, probability %, start, monitored hours a day
    ("Chelsea FC (Stamford Bridge)", "match-day", 40, 60.0, date(2027, 8, 1), 24.0),
    ("Hammersmith BID", "record-only", 25, 75.0, date(2027, 4, 1), 24.0),
    ("Kings Mall shopping centre", "monitored", 20, 50.0, date(2027, 6, 1), 24.0),
    ("Imperial College White City campus", "monitored", 60, 30.0, date(2028, 1, 1), 24.0),
    ("Eventim Apollo", "match-day", 12, 50.0, date(2027, 10, 1), 24.0),
    ("Westfield London phase 3 extension", "monitored", 80, 40.0, date(2028, 9, 1), 24.0),
]
_COUNCIL_REGISTER: dict[str, dict[str, Any]] = {
    "Hammersmith Broadway PTZ": {
        "funding_source": "section_106",
        "s106_agreement_ref": "2018/02112/FUL-S106",
        "s106_obligation_no": "12",
        "or_level": "identify",
    },
    "Shepherd's Bush Green PTZ": {
        "funding_source": "secured_by_design",
        "planning_application_ref": "2021/01587/FUL",
        "or_level": "recognise",
    },
}


@dataclass(slots=True)
class SeedSummary:
    plans: int = 0
    partners: dict[str, int] = field(default_factory=dict)
    registered: int = 0
    prospects: int = 0
    footage_requests: int = 0


def _camera_ids(s: Session) -> dict[str, int]:
    return {str(n): int(i) for i, n in s.execute(select(_tables.cameras.c.id, _tables.cameras.c.name))}


def seed_partners(sessions: sessionmaker[Session], *, now_us: int | None = None) -> SeedSummary:
    """Plans, the four demo partners with their cameras, the register, a pipeline and some requests."""
    now = _now_us() if now_us is None else now_us
    today = today_london(now)
    directory, register = Directory(sessions), RegisterService(sessions)
    out = SeedSummary()
    existing_plans = {p.code for p in directory.plans()}
    for code, fields in PLANS.items():
        if code not in existing_plans:
            directory.put_plan(code, fields)
            out.plans += 1
    with sessions() as s:
        cameras = _camera_ids(s)
        orgs = {o.name: o.id for o in s.scalars(select(Organisation))}
    for name, plan, start, end, prefixes, site, contact in _PARTNERS:
        ids = [i for n, i in cameras.items() if n.startswith(prefixes)]
        if name not in orgs:
            spec = Onboarding(
                name,
                [contact],
                [{"name": site.split(",")[0], "address": site}],
                ids,
                ContractSpec(plan, f"{name.split()[0].upper()}-{start:%Y}", start, end),
            )
            orgs[name] = directory.onboard(spec).id
        elif ids:
            directory.assign_cameras(orgs[name], ids)
        out.partners[name] = orgs[name]
        for cid in ids:
            register.put(
                cid,
                {
                    "site": site.split(",")[0],
                    "model": "Axis Q1805-LE",
                    "installed_on": start - timedelta(days=30),
                    "funding_source": "partner_funded",
                    "purpose": "Safety of visitors and staff; crime prevention",
                    "lawful_basis": "Legitimate interests (UK GDPR 6(1)(f))",
                    "dpia_ref": f"DPIA-{name.split()[0]}-1",
                    "or_level": "recognise",
                    "review_due_on": start.replace(year=start.year + 1),
                },
                by="demo",
                today=today,
            )
            out.registered += 1
    for cname, cid in cameras.items():
        if any(cname.startswith(p) for _n, _pl, _s, _e, prefixes, _si, _c in _PARTNERS for p in prefixes):
            continue
        fields = {
            "site": cname.split(" / ")[0],
            "model": "Dahua SD6AL445",
            "installed_on": date(2022, 4, 1),
            "funding_source": "council_capital",
            "purpose": "Public safety, crime prevention and detection",
            "lawful_basis": "Public task (UK GDPR 6(1)(e)); DPA 2018 Part 3 for police use",
            "dpia_ref": "DPIA-LBHF-2024-01",
            "or_level": "observe",
            "review_due_on": date(2026, 9, 30),
            **_COUNCIL_REGISTER.get(cname, {}),
        }
        register.put(cid, fields, by="demo", today=today)
        out.registered += 1
    out.prospects = _pipeline(sessions, directory)
    out.footage_requests = _requests(sessions, now, cameras)
    return out


def _pipeline(sessions: sessionmaker[Session], directory: Directory) -> int:
    with sessions() as s:
        known = set(s.scalars(select(ProspectRow.name)))
    added = 0
    for name, plan, cams, pct, start, hours in _PIPELINE:
        if name not in known:
            directory.add_prospect(name, plan, cams, pct, start, monitored_hours_per_day=hours, term_months=60)
            added += 1
    return added


def _requests(sessions: sessionmaker[Session], now: int, cameras: dict[str, int]) -> int:
    with sessions() as s:
        if s.scalar(select(FootageRequestRow.id).limit(1)) is not None:
            return 0
    requests = FootageRequests(sessions)
    day = 86_400_000_000
    yesterday = london_midnight_us(today_london(now - day))
    broadway = (51.4920, -0.2236)
    made = [
        NewRequest(
            "subject_access",
            "Member of the public",
            *broadway,
            100,
            yesterday + 21 * 3_600_000_000,
            yesterday + 22 * 3_600_000_000,
            now - 40 * day,
            reference="SAR-2026-014",
            description="Requester walking past the bus station, red coat",
        ),
        NewRequest(
            "solicitor",
            "Smith & Partners LLP",
            51.4927,
            -0.2310,
            150,
            now - 3 * day,
            now - 3 * day + 2 * 3_600_000_000,
            now - 2 * day,
            reference="SP/4471",
            description="Road traffic collision",
        ),
        NewRequest(
            "insurer",
            "Aviva claims",
            51.4802,
            -0.1953,
            120,
            now - 5 * day,
            now - 5 * day + 1_800_000_000,
            now - 4 * day,
            reference="CLM-88213",
            description="Vehicle damage, Fulham Broadway",
        ),
        NewRequest(
            "police",
            "Metropolitan Police, Hammersmith CID",
            *broadway,
            200,
            now - 2 * day,
            now - 2 * day + 3_600_000_000,
            now - day,
            reference="CAD 4521/25NOV",
        ),
    ]
    for req in made:
        requests.create(req, bands=None, supply_fee_p=None, by="demo")
    return len(made)

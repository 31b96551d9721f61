"""The partners domain's values, as services hand them out (rows never leave the package)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from citywatch.partners.errors import PartnerError
from citywatch.partners.models import ContactRow, ContractRow, PlanRow, ProspectRow

__all__ = [
    "FUNDING_SOURCES",
    "OR_LEVELS",
    "TIERS",
    "Contact",
    "Contract",
    "FeeBand",
    "Partner",
    "Plan",
    "Prospect",
    "search_fee_p",
]

TIERS = ("monitored", "record_only", "link_only", "nominal")
FUNDING_SOURCES = ("council_capital", "section_106", "secured_by_design", "partner_funded")
OR_LEVELS = ("detect", "observe", "recognise", "identify")  # BS EN 62676-4: 25 / 62 / 125 / 250 px/m


@dataclass(frozen=True, slots=True)
class FeeBand:
    """Searches of up to ``max_hours`` of footage (None: any longer) cost ``fee_p``."""

    max_hours: float | None
    fee_p: int


@dataclass(frozen=True, slots=True)
class Plan:
    id: int
    code: str
    name: str
    tier: str
    connection_fee_p: int
    monitoring_per_camera_hour_p: int
    monitoring_basis: str
    retainer_per_camera_month_p: int
    link_per_camera_month_p: int
    storage_per_gb_day_p: int
    ptz_per_minute_p: int
    search_fees: tuple[FeeBand, ...]
    supply_fee_p: int
    sla_uptime_pct: float
    sla_credit_pct: float
    vat_bp: int

    @classmethod
    def from_row(cls, r: PlanRow) -> Plan:
        bands = tuple(FeeBand(None if b[0] is None else float(b[0]), int(b[1])) for b in r.search_fees)
        return cls(
            r.id,
            r.code,
            r.name,
            r.tier,
            r.connection_fee_p,
            r.monitoring_per_camera_hour_p,
            r.monitoring_basis,
            r.retainer_per_camera_month_p,
            r.link_per_camera_month_p,
            r.storage_per_gb_day_p,
            r.ptz_per_minute_p,
            bands,
            r.supply_fee_p,
            r.sla_uptime_pct,
            r.sla_credit_pct,
            r.vat_bp,
        )


def search_fee_p(bands: tuple[FeeBand, ...], hours: float) -> int:
    """The fee of the first band that holds ``hours`` (bands sorted by ``max_hours``, open band last)."""
    for band in sorted(bands, key=lambda b: float("inf") if b.max_hours is None else b.max_hours):
        if band.max_hours is None or hours <= band.max_hours:
            return band.fee_p
    return 0 if not bands else max(b.fee_p for b in bands)


def validate_plan_fields(fields: dict[str, Any]) -> None:
    if fields.get("tier") not in TIERS:
        raise PartnerError(f"tier must be one of {', '.join(TIERS)}")
    if fields.get("monitoring_basis", "connected") not in ("connected", "wall"):
        raise PartnerError("monitoring_basis must be 'connected' (every hour online) or 'wall' (hours on the wall)")
    for name, value in fields.items():
        if name.endswith("_p") and int(value) < 0:
            raise PartnerError(f"{name} cannot be negative")
    for band in fields.get("search_fees", []):
        if len(band) != 2 or int(band[1]) < 0:
            raise PartnerError("search_fees are [max_hours or null, fee_p] pairs with fee_p ≥ 0")


@dataclass(frozen=True, slots=True)
class Contract:
    id: int
    organisation_id: int
    plan_id: int
    plan_code: str
    reference: str
    start_on: date
    end_on: date | None
    connection_fee_due: bool

    @classmethod
    def from_row(cls, r: ContractRow, plan_code: str) -> Contract:
        return cls(
            r.id, r.organisation_id, r.plan_id, plan_code, r.reference, r.start_on, r.end_on, r.connection_fee_due
        )


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    organisation_id: int
    name: str
    role: str
    email: str
    phone: str

    @classmethod
    def from_row(cls, r: ContactRow) -> Contact:
        return cls(r.id, r.organisation_id, r.name, r.role, r.email, r.phone)


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class Partner:
    id: int
    name: str
    kind: str
    cameras: int
    contacts: list[Contact] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Prospect:
    id: int
    name: str
    plan_id: int
    plan_code: str
    cameras: int
    monitored_hours_per_day: float
    probability_pct: float
    expected_start_on: date
    term_months: int
    notes: str

    @classmethod
    def from_row(cls, r: ProspectRow, plan_code: str) -> Prospect:
        return cls(
            r.id,
            r.name,
            r.plan_id,
            plan_code,
            r.cameras,
            r.monitored_hours_per_day,
            r.probability_pct,
            r.expected_start_on,
            r.term_months,
            r.notes,
        )

"""Monthly invoices priced from meter readings; every line names the readings it was priced from.

A month is cut into one segment per contract (a plan change mid-month gives two segments); each
camera's window is the segment cut by its installation and decommissioning dates. Per-camera-month
charges are pro rata by time (camera-months = contracted camera-time ÷ the month's length).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.partners.directory import Directory
from citywatch.partners.domain import Contract, Plan
from citywatch.partners.metering import CameraUsage, Meter, MeterReading, readings
from citywatch.partners.models import FootageRequestRow, RegisterRow
from citywatch.partners.money import HOUR_US, Window, london_midnight_us, month_window, parse_month, round_pence
from citywatch.timeutil import iso

__all__ = ["Billing", "Invoice", "InvoiceLine"]


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    contract_ref: str
    code: str  # connection | monitoring | retainer | link | storage | ptz | search | sla_credit
    description: str
    quantity: str
    unit: str
    unit_price_p: int
    amount_p: int
    vat_bp: int
    readings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Invoice:
    number: str
    organisation_id: int
    organisation: str
    month: str
    period_start: str
    period_end: str
    lines: list[InvoiceLine]
    readings: list[MeterReading]
    net_p: int
    vat_p: int
    total_p: int
    vat_breakdown: list[tuple[int, int, int]] = field(default_factory=list)  # (vat_bp, net_p, vat_p)


def _qty(value: Fraction, places: int = 3) -> str:
    return str(
        Decimal(value.numerator) / Decimal(value.denominator)
        if places < 0
        else round(Decimal(value.numerator) / Decimal(value.denominator), places)
    )


def _contract_window(c: Contract) -> Window:
    end = london_midnight_us(c.end_on + timedelta(days=1)) if c.end_on else 2**62
    return Window(london_midnight_us(c.start_on), end)


class Billing:
    def __init__(self, sessions: sessionmaker[Session], directory: Directory, meter: Meter) -> None:
        self._sessions = sessions
        self._directory = directory
        self._meter = meter

    def invoice(self, organisation_id: int, month: str, *, now_us: int) -> Invoice:
        first = parse_month(month)
        mw = month_window(first)
        name = self._directory.organisation_name(organisation_id)
        cameras = self._directory.camera_ids(organisation_id)
        lifetimes = self._lifetimes(cameras)
        lines: list[InvoiceLine] = []
        all_readings: list[MeterReading] = []
        for contract in self._directory.contracts(organisation_id):
            segment = mw.clip(_contract_window(contract))
            if segment.length_us <= 0:
                continue
            plan = self._directory.plan_by_id(contract.plan_id)
            windows = {cid: segment.clip(lifetimes[cid]) for cid in cameras}
            windows = {cid: w for cid, w in windows.items() if w.length_us > 0}
            usage = self._meter.usage(windows, now_us=now_us)
            for u in usage.values():
                all_readings.extend(readings(u))
            starts_now = mw.start_us <= london_midnight_us(contract.start_on) < mw.end_us
            lines += _price(contract, plan, list(usage.values()), mw, connection=starts_now)
            lines += self._requests(contract, plan, organisation_id, segment)
        net = sum(line.amount_p for line in lines)
        by_rate: dict[int, int] = defaultdict(int)
        for line in lines:
            by_rate[line.vat_bp] += line.amount_p
        breakdown = [(bp, n, round_pence(Fraction(n * bp, 10_000))) for bp, n in sorted(by_rate.items())]
        vat = sum(v for _bp, _n, v in breakdown)
        return Invoice(
            number=f"CW-{first:%Y%m}-{organisation_id:04d}",
            organisation_id=organisation_id,
            organisation=name,
            month=f"{first:%Y-%m}",
            period_start=iso(mw.start_us),
            period_end=iso(mw.end_us),
            lines=lines,
            readings=all_readings,
            net_p=net,
            vat_p=vat,
            total_p=net + vat,
            vat_breakdown=breakdown,
        )

    def _lifetimes(self, cameras: list[int]) -> dict[int, Window]:
        """Installation to decommissioning (London midnights) from the register; unbounded when unknown."""
        out = {cid: Window(0, 2**62) for cid in cameras}
        with self._sessions() as s:
            for r in s.scalars(select(RegisterRow).where(RegisterRow.camera_id.in_(cameras))):
                lo = london_midnight_us(r.installed_on) if r.installed_on else 0
                hi = london_midnight_us(r.decommissioned_on) if r.decommissioned_on else 2**62
                out[r.camera_id] = Window(lo, hi)
        return out

    def _requests(self, c: Contract, plan: Plan, organisation_id: int, w: Window) -> list[InvoiceLine]:
        with self._sessions() as s:
            q = select(FootageRequestRow).where(
                FootageRequestRow.organisation_id == organisation_id,
                FootageRequestRow.status == "fulfilled",
                FootageRequestRow.closed_us >= w.start_us,
                FootageRequestRow.closed_us < w.end_us,
            )
            rows = list(s.scalars(q.order_by(FootageRequestRow.id)))
        out = []
        for r in rows:
            hours = _qty(Fraction(r.end_us - r.start_us, HOUR_US), 2)
            ref = (f"request:{r.id}",)
            out.append(
                InvoiceLine(
                    c.reference,
                    "search",
                    f"Footage search {r.reference or r.id} ({hours} h of footage)",
                    "1",
                    "search",
                    r.search_fee_p,
                    r.search_fee_p,
                    plan.vat_bp,
                    ref,
                )
            )
            if r.supply_fee_p:
                out.append(
                    InvoiceLine(
                        c.reference,
                        "supply",
                        f"Footage supplied for {r.reference or r.id}",
                        "1",
                        "supply",
                        r.supply_fee_p,
                        r.supply_fee_p,
                        plan.vat_bp,
                        ref,
                    )
                )
        return out


def _price(c: Contract, plan: Plan, usage: list[CameraUsage], mw: Window, *, connection: bool) -> list[InvoiceLine]:
    """The contract segment's lines. Exact per-camera charges feed the SLA credit; each line rounds once."""
    ref, vat = c.reference, plan.vat_bp
    lines: list[InvoiceLine] = []
    n = len(usage)

    def ids(meter: str) -> tuple[str, ...]:
        return tuple(r.id for u in usage for r in readings(u) if r.meter == meter)

    if connection and c.connection_fee_due and plan.connection_fee_p and n:
        lines.append(
            InvoiceLine(
                ref,
                "connection",
                f"Connection, {n} cameras",
                str(n),
                "camera",
                plan.connection_fee_p,
                n * plan.connection_fee_p,
                vat,
                ids("contracted"),
            )
        )
    exact: dict[int, Fraction] = defaultdict(Fraction)  # per camera, time-based charges (for SLA credits)
    if plan.monitoring_per_camera_hour_p:
        meter = "wall" if plan.monitoring_basis == "wall" else "connected"
        per = {u.camera_id: Fraction(u.wall_us if meter == "wall" else u.connected_us, HOUR_US) for u in usage}
        total = sum(per.values(), Fraction(0))
        for cid, hours in per.items():
            exact[cid] += hours * plan.monitoring_per_camera_hour_p
        what = "on the control-room wall" if meter == "wall" else "connected"
        lines.append(
            InvoiceLine(
                ref,
                "monitoring",
                f"Monitoring, camera-hours {what}",
                _qty(total),
                "camera-hour",
                plan.monitoring_per_camera_hour_p,
                round_pence(total * plan.monitoring_per_camera_hour_p),
                vat,
                ids(meter),
            )
        )
    for code, rate, label in (
        ("retainer", plan.retainer_per_camera_month_p, "Record-only retainer"),
        ("link", plan.link_per_camera_month_p, "Link to the network"),
    ):
        if not rate:
            continue
        per = {u.camera_id: Fraction(u.contracted_us, mw.length_us) for u in usage}
        total = sum(per.values(), Fraction(0))
        for cid, months in per.items():
            exact[cid] += months * rate
        lines.append(
            InvoiceLine(
                ref,
                code,
                f"{label}, camera-months (pro rata)",
                _qty(total, 4),
                "camera-month",
                rate,
                round_pence(total * rate),
                vat,
                ids("contracted"),
            )
        )
    if plan.storage_per_gb_day_p:
        gb_days = sum((Fraction(Decimal(str(round(u.storage_gb_days, 6)))) for u in usage), Fraction(0))
        lines.append(
            InvoiceLine(
                ref,
                "storage",
                "Storage, GB-days",
                _qty(gb_days),
                "GB-day",
                plan.storage_per_gb_day_p,
                round_pence(gb_days * plan.storage_per_gb_day_p),
                vat,
                ids("storage"),
            )
        )
    if plan.ptz_per_minute_p:
        minutes = sum(u.ptz_minutes for u in usage)
        lines.append(
            InvoiceLine(
                ref,
                "ptz",
                "PTZ control by the control room, minutes",
                str(minutes),
                "minute",
                plan.ptz_per_minute_p,
                minutes * plan.ptz_per_minute_p,
                vat,
                ids("ptz"),
            )
        )
    below = [u for u in usage if u.uptime_pct < plan.sla_uptime_pct]
    if plan.sla_credit_pct and below:
        base = sum((exact[u.camera_id] for u in below), Fraction(0))
        credit = round_pence(base * Fraction(Decimal(str(plan.sla_credit_pct))) / 100)
        if credit:
            names = ", ".join(str(u.camera_id) for u in below)
            lines.append(
                InvoiceLine(
                    ref,
                    "sla_credit",
                    f"Service credit: cameras {names} below {plan.sla_uptime_pct:g} % recorded",
                    str(len(below)),
                    "camera",
                    0,
                    -credit,
                    vat,
                    tuple(r.id for u in below for r in readings(u) if r.meter in ("recorded", "contracted")),
                )
            )
    return lines


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"

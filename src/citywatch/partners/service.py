"""The partners use cases in one object, built once per app (``request.app.state.partners``) or CLI run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.models import AuditEntry
from citywatch.partners.directory import Directory
from citywatch.partners.domain import Plan
from citywatch.partners.footage import ExportOrder, FootageRequest, FootageRequests, NewRequest
from citywatch.partners.forecast import DEFAULT_SCENARIOS, DEFAULT_TARGET_P, Forecast, Scenario, Stream, project
from citywatch.partners.invoices import Billing, Invoice
from citywatch.partners.metering import CameraUsage
from citywatch.partners.money import HOUR_US, Window, add_months, month_window, parse_month, today_london
from citywatch.partners.register import RegisterService
from citywatch.partners.rollup import CLOSE_LAG_US, RolledUpMeter

__all__ = ["AccessEntry", "Availability", "PartnersService"]

_RUN_RATE_CODES = ("monitoring", "retainer", "link", "storage", "ptz", "sla_credit")
WALL_HOURS_PER_DAY_GUESS = 4.0  # wall-basis plans with no history yet


@dataclass(frozen=True, slots=True)
class Availability:
    camera_id: int
    uptime_pct: float
    sla_uptime_pct: float
    meets_sla: bool
    recorded_hours: float
    contracted_hours: float


@dataclass(frozen=True, slots=True)
class AccessEntry:
    at_us: int
    action: str
    outcome: str
    username: str | None
    role: str | None
    organisation: str | None
    camera_id: int | None
    start_us: int | None
    end_us: int | None
    justification: str | None


class PartnersService:
    def __init__(self, sessions: sessionmaker[Session], *, close_lag_us: int = CLOSE_LAG_US) -> None:
        self.sessions = sessions
        self.directory = Directory(sessions)
        self.register = RegisterService(sessions)
        self.meter = RolledUpMeter(sessions, close_lag_us=close_lag_us)
        self.billing = Billing(sessions, self.directory, self.meter)
        self.footage = FootageRequests(sessions)

    # usage and availability ---------------------------------------------------------------------------------

    def usage(self, organisation_id: int, month: str, *, now_us: int) -> list[CameraUsage]:
        w = month_window(parse_month(month))
        cams = self.directory.camera_ids(organisation_id)
        usage = self.meter.usage(dict.fromkeys(cams, w), now_us=now_us)
        return [usage[c] for c in cams]

    def availability(self, organisation_id: int, month: str, *, now_us: int) -> list[Availability]:
        sla = self._plan_on(organisation_id, parse_month(month))
        target = sla.sla_uptime_pct if sla else 99.0
        return [
            Availability(
                u.camera_id,
                round(u.uptime_pct, 3),
                target,
                u.uptime_pct >= target,
                round(u.recorded_us / HOUR_US, 3),
                round(u.contracted_us / HOUR_US, 3),
            )
            for u in self.usage(organisation_id, month, now_us=now_us)
        ]

    def access_log(self, organisation_id: int, start_us: int, end_us: int, *, limit: int = 500) -> list[AccessEntry]:
        """Who (council, police, anyone) viewed, played back, exported or steered the partner's cameras."""
        cams = self.directory.camera_ids(organisation_id)
        a = AuditEntry
        q = (
            select(a)
            .where(
                or_(a.camera_org_id == organisation_id, a.camera_id.in_(cams)), a.at_us >= start_us, a.at_us < end_us
            )
            .order_by(a.at_us.desc(), a.seq.desc())
            .limit(limit)
        )
        with self.sessions() as s:
            return [
                AccessEntry(
                    r.at_us,
                    r.action,
                    r.outcome,
                    r.username,
                    r.role,
                    r.organisation,
                    r.camera_id,
                    r.start_us,
                    r.end_us,
                    r.justification,
                )
                for r in s.scalars(q)
            ]

    def _plan_on(self, organisation_id: int, day: date) -> Plan | None:
        for c in self.directory.contracts(organisation_id):
            if c.start_on < add_months(day, 1) and (c.end_on is None or c.end_on >= day):
                return self.directory.plan_by_id(c.plan_id)
        return None

    # invoices and footage ------------------------------------------------------------------------------------

    def invoice(self, organisation_id: int, month: str, *, now_us: int) -> Invoice:
        self.footage.follow_exports()  # a search is billed in the month its export finished
        return self.billing.invoice(organisation_id, month, now_us=now_us)

    def invoices(self, month: str, *, now_us: int) -> list[Invoice]:
        return [self.invoice(p.id, month, now_us=now_us) for p in self.directory.partners() if p.contracts]

    def new_footage_request(self, req: NewRequest, *, by: str) -> FootageRequest:
        plan = None
        if req.requester_kind == "partner" and req.organisation_id is not None:
            plan = self._plan_on(req.organisation_id, today_london(req.received_us).replace(day=1))
        return self.footage.create(
            req,
            bands=plan.search_fees if plan and plan.search_fees else None,
            supply_fee_p=plan.supply_fee_p if plan and plan.search_fees else None,
            by=by,
        )

    def fulfil_footage(
        self, request_id: int, start_export: Callable[[ExportOrder], str], *, camera_ids: list[int] | None, at_us: int
    ) -> FootageRequest:
        """Start the evidence export that fulfils a request (``start_export`` answers the job's id) and link it.

        If the export cannot start, the request is open again and the error goes to the caller.
        """
        order = self.footage.claim_for_export(request_id, camera_ids, at_us=at_us)
        if order is not None:
            try:
                export_id = start_export(order)
            except BaseException as exc:
                self.footage.release(request_id, f"the export could not start: {exc}")
                raise
            self.footage.link_export(request_id, export_id)
        return self.footage.get(request_id, today=today_london(at_us))

    # forecast ---------------------------------------------------------------------------------------------------

    def forecast(
        self,
        *,
        now_us: int,
        target_p: int = DEFAULT_TARGET_P,
        scenarios: tuple[Scenario, ...] = DEFAULT_SCENARIOS,
        start: date | None = None,
    ) -> Forecast:
        first = (start or today_london(now_us)).replace(day=1)
        return project(self.streams(first, now_us=now_us), start=first, target_p=target_p, scenarios=scenarios)

    def streams(self, first: date, *, now_us: int) -> list[Stream]:
        """Contracts still running at ``first`` at their metered run rate (last three months), then the pipeline."""
        out: list[Stream] = []
        for p in self.directory.partners():
            history = [self._run_rate(p.id, add_months(first, -k), now_us) for k in (6, 5, 4, 3, 2, 1)]
            for c in p.contracts:
                if c.end_on is not None and c.end_on < first:
                    continue
                plan = self.directory.plan_by_id(c.plan_id)
                recent = [v for v in history[3:] if v > 0]
                older = [v for v in history[:3] if v > 0]
                monthly = round(sum(recent) / len(recent)) if recent else self._estimate(plan, p.cameras, 24.0)
                trend = 0.0
                if recent and older and len(older) == 3 and len(recent) == 3:
                    ratio = (sum(recent) / sum(older)) ** 4 - 1  # six-month change, annualised
                    trend = max(-50.0, min(50.0, 100 * ratio))
                start = max(c.start_on.replace(day=1), first)
                one_off = plan.connection_fee_p * p.cameras if c.start_on >= first and c.connection_fee_due else 0
                end = c.end_on.replace(day=1) if c.end_on else None
                out.append(Stream(f"{p.name} ({c.reference})", "contract", start, end, monthly, one_off, 100.0, trend))
        for pr in self.directory.prospects():
            plan = self.directory.plan_by_id(pr.plan_id)
            start = max(pr.expected_start_on.replace(day=1), first)
            out.append(
                Stream(
                    pr.name,
                    "prospect",
                    start,
                    add_months(start, pr.term_months - 1),
                    self._estimate(plan, pr.cameras, pr.monitored_hours_per_day),
                    plan.connection_fee_p * pr.cameras,
                    pr.probability_pct,
                )
            )
        return out

    def _run_rate(self, organisation_id: int, month: date, now_us: int) -> int:
        if month_window(month).end_us > now_us:
            return 0
        inv = self.invoice(organisation_id, f"{month:%Y-%m}", now_us=now_us)
        return sum(line.amount_p for line in inv.lines if line.code in _RUN_RATE_CODES)

    @staticmethod
    def _estimate(plan: Plan, cameras: int, hours_per_day: float) -> int:
        """A month of 365.25/12 days at the plan's rates, when there is no metered history."""
        days = 365.25 / 12
        hours = WALL_HOURS_PER_DAY_GUESS if plan.monitoring_basis == "wall" else hours_per_day
        per_camera = (
            plan.monitoring_per_camera_hour_p * hours * days
            + plan.retainer_per_camera_month_p
            + plan.link_per_camera_month_p
        )
        return round(per_camera * cameras)


def month_span(month: str) -> Window:
    return month_window(parse_month(month))

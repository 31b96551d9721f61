"""Partners as tenants: onboarding (organisation, contacts, sites, cameras, contract), plans, pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.models import Organisation
from citywatch.access.models import Site as SiteRow
from citywatch.partners import _tables
from citywatch.partners.domain import Contact, Contract, Partner, Plan, Prospect, Site, validate_plan_fields
from citywatch.partners.errors import PartnerError, PartnerNotFound
from citywatch.partners.models import ContactRow, ContractRow, PlanRow, ProspectRow
from citywatch.timeutil import now_us

__all__ = ["ContractSpec", "Directory", "Onboarding"]


@dataclass(frozen=True, slots=True)
class ContractSpec:
    plan_code: str
    reference: str
    start_on: date
    end_on: date | None = None
    connection_fee_due: bool = True


@dataclass(frozen=True, slots=True)
class Onboarding:
    """Everything a new partner brings; ``camera_ids`` are cameras already added through the camera service."""

    name: str
    contacts: list[dict[str, str]] = field(default_factory=list)
    sites: list[dict[str, str]] = field(default_factory=list)
    camera_ids: list[int] = field(default_factory=list)
    contract: ContractSpec | None = None


class Directory:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # partners ---------------------------------------------------------------------------------------------

    def partners(self) -> list[Partner]:
        with self._sessions() as s:
            orgs = s.scalars(select(Organisation).where(Organisation.kind == "partner").order_by(Organisation.name))
            return [self._partner(s, o) for o in orgs]

    def partner(self, organisation_id: int) -> Partner:
        with self._sessions() as s:
            return self._partner(s, self._org(s, organisation_id))

    def onboard(self, spec: Onboarding) -> Partner:
        if not spec.name.strip():
            raise PartnerError("a partner needs a name")
        with self._sessions.begin() as s:
            if s.scalar(select(Organisation).where(Organisation.name == spec.name)) is not None:
                raise PartnerError(f"an organisation called {spec.name!r} already exists")
            org = Organisation(name=spec.name, kind="partner", created_us=now_us())
            s.add(org)
            s.flush()
            for c in spec.contacts:
                s.add(
                    ContactRow(
                        organisation_id=org.id,
                        name=c["name"],
                        role=c.get("role", ""),
                        email=c.get("email", ""),
                        phone=c.get("phone", ""),
                    )
                )
            for site in spec.sites:
                s.add(SiteRow(organisation_id=org.id, name=site["name"], address=site.get("address", "")))
            if spec.camera_ids:
                self._assign(s, org.id, spec.camera_ids)
            if spec.contract is not None:
                self._add_contract(s, org.id, spec.contract)
            org_id = org.id
        return self.partner(org_id)

    def assign_cameras(self, organisation_id: int, camera_ids: list[int]) -> None:
        with self._sessions.begin() as s:
            self._org(s, organisation_id)
            self._assign(s, organisation_id, camera_ids)

    def camera_ids(self, organisation_id: int) -> list[int]:
        with self._sessions() as s:
            q = select(_tables.cameras.c.id).where(_tables.cameras.c.organisation_id == organisation_id)
            return sorted(int(x) for x in s.scalars(q.order_by(_tables.cameras.c.id)))

    def organisation_name(self, organisation_id: int) -> str:
        with self._sessions() as s:
            return self._org(s, organisation_id).name

    @staticmethod
    def _assign(s: Session, organisation_id: int, camera_ids: list[int]) -> None:
        c = _tables.cameras.c
        found = set(s.scalars(select(c.id).where(c.id.in_(camera_ids))))
        missing = sorted(set(camera_ids) - found)
        if missing:
            raise PartnerNotFound(f"no camera {missing[0]}; add it through the camera service first")
        s.execute(update(_tables.cameras).where(c.id.in_(camera_ids)).values(organisation_id=organisation_id))

    @staticmethod
    def _org(s: Session, organisation_id: int) -> Organisation:
        org = s.get(Organisation, organisation_id)
        if org is None:
            raise PartnerNotFound(f"no organisation {organisation_id}")
        return org

    def _partner(self, s: Session, o: Organisation) -> Partner:
        cameras = s.scalar(select(func.count()).where(_tables.cameras.c.organisation_id == o.id)) or 0
        contacts = [
            Contact.from_row(r) for r in s.scalars(select(ContactRow).where(ContactRow.organisation_id == o.id))
        ]
        sites = [
            Site(r.id, r.name, r.address) for r in s.scalars(select(SiteRow).where(SiteRow.organisation_id == o.id))
        ]
        return Partner(o.id, o.name, o.kind, int(cameras), contacts, sites, self._contracts(s, o.id))

    # contracts ---------------------------------------------------------------------------------------------

    def contracts(self, organisation_id: int | None = None) -> list[Contract]:
        with self._sessions() as s:
            return self._contracts(s, organisation_id)

    @staticmethod
    def _contracts(s: Session, organisation_id: int | None) -> list[Contract]:
        q = select(ContractRow, PlanRow.code).join(PlanRow, PlanRow.id == ContractRow.plan_id)
        if organisation_id is not None:
            q = q.where(ContractRow.organisation_id == organisation_id)
        q = q.order_by(ContractRow.organisation_id, ContractRow.start_on)
        return [Contract.from_row(row, code) for row, code in s.execute(q)]

    def add_contract(self, organisation_id: int, spec: ContractSpec) -> Contract:
        with self._sessions.begin() as s:
            self._org(s, organisation_id)
            row = self._add_contract(s, organisation_id, spec)
            return Contract.from_row(row, spec.plan_code)

    def change_plan(self, organisation_id: int, plan_code: str, from_day: date, reference: str) -> Contract:
        """End the contract running on ``from_day`` the day before, and start ``plan_code`` on ``from_day``."""
        with self._sessions.begin() as s:
            current = [
                c
                for c in s.scalars(select(ContractRow).where(ContractRow.organisation_id == organisation_id))
                if c.start_on < from_day and (c.end_on is None or c.end_on >= from_day)
            ]
            if not current:
                raise PartnerError(f"organisation {organisation_id} has no contract running on {from_day}")
            old = current[0]
            end = old.end_on
            old.end_on = from_day - timedelta(days=1)
            spec = ContractSpec(plan_code, reference, from_day, end, connection_fee_due=False)
            row = self._add_contract(s, organisation_id, spec)
            return Contract.from_row(row, plan_code)

    def _add_contract(self, s: Session, organisation_id: int, spec: ContractSpec) -> ContractRow:
        if spec.end_on is not None and spec.end_on < spec.start_on:
            raise PartnerError("a contract cannot end before it starts")
        plan = self._plan_row(s, spec.plan_code)
        for c in s.scalars(select(ContractRow).where(ContractRow.organisation_id == organisation_id)):
            if (c.end_on is None or c.end_on >= spec.start_on) and (spec.end_on is None or spec.end_on >= c.start_on):
                raise PartnerError(
                    f"contract {c.reference} already covers part of that period; end it or change plan instead"
                )
        row = ContractRow(
            organisation_id=organisation_id,
            plan_id=plan.id,
            reference=spec.reference,
            start_on=spec.start_on,
            end_on=spec.end_on,
            connection_fee_due=spec.connection_fee_due,
            created_us=now_us(),
        )
        s.add(row)
        s.flush()
        return row

    # plans -------------------------------------------------------------------------------------------------

    def plans(self) -> list[Plan]:
        with self._sessions() as s:
            return [Plan.from_row(r) for r in s.scalars(select(PlanRow).order_by(PlanRow.code))]

    def plan(self, code: str) -> Plan:
        with self._sessions() as s:
            return Plan.from_row(self._plan_row(s, code))

    def plan_by_id(self, plan_id: int) -> Plan:
        with self._sessions() as s:
            row = s.get(PlanRow, plan_id)
            if row is None:
                raise PartnerNotFound(f"no plan {plan_id}")
            return Plan.from_row(row)

    def put_plan(self, code: str, fields: dict[str, Any]) -> Plan:
        """Create or replace the plan ``code`` (amounts in pence)."""
        validate_plan_fields(fields)
        with self._sessions.begin() as s:
            row = s.scalar(select(PlanRow).where(PlanRow.code == code))
            if row is None:
                row = PlanRow(code=code)
                s.add(row)
            for name, value in fields.items():
                if name in ("id", "code") or not hasattr(PlanRow, name):
                    raise PartnerError(f"plans have no field {name!r}")
                setattr(row, name, value)
            try:
                s.flush()
            except IntegrityError as exc:
                raise PartnerError(f"plan {code!r} is missing a field: {exc.orig}") from exc
            return Plan.from_row(row)

    @staticmethod
    def _plan_row(s: Session, code: str) -> PlanRow:
        row = s.scalar(select(PlanRow).where(PlanRow.code == code))
        if row is None:
            raise PartnerNotFound(f"no plan {code!r}; create it first (PUT /api/v1/partners/plans/{code})")
        return row

    # pipeline ----------------------------------------------------------------------------------------------

    def prospects(self) -> list[Prospect]:
        with self._sessions() as s:
            q = select(ProspectRow, PlanRow.code).join(PlanRow, PlanRow.id == ProspectRow.plan_id)
            return [Prospect.from_row(r, code) for r, code in s.execute(q.order_by(ProspectRow.expected_start_on))]

    def add_prospect(
        self,
        name: str,
        plan_code: str,
        cameras: int,
        probability_pct: float,
        expected_start_on: date,
        *,
        monitored_hours_per_day: float = 24.0,
        term_months: int = 36,
        notes: str = "",
    ) -> Prospect:
        if not 0 <= probability_pct <= 100:
            raise PartnerError("probability_pct is between 0 and 100")
        if cameras < 1 or term_months < 1 or not 0 <= monitored_hours_per_day <= 24:
            raise PartnerError("a prospect needs ≥ 1 camera, a term ≥ 1 month and 0–24 monitored hours a day")
        with self._sessions.begin() as s:
            plan = self._plan_row(s, plan_code)
            row = ProspectRow(
                name=name,
                plan_id=plan.id,
                cameras=cameras,
                probability_pct=probability_pct,
                expected_start_on=expected_start_on,
                monitored_hours_per_day=monitored_hours_per_day,
                term_months=term_months,
                notes=notes,
            )
            s.add(row)
            s.flush()
            return Prospect.from_row(row, plan_code)

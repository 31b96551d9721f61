"""Partners tables on the shared declarative ``Base``; written by hand together with migrations 0015 and 0016.

Money is integer pence (``*_p``); rates are pence per unit named in the column. Calendar dates
(contract terms, review dates) are ``Date`` in Europe/London; instants are integer µs UTC (``*_us``).
``organisation_id`` columns point at the access domain's ``organisations`` table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citywatch.store.models import Base

__all__ = [
    "PARTNER_TABLES",
    "ContactRow",
    "ContractRow",
    "FootageRequestRow",
    "MeterDayRow",
    "PlanRow",
    "ProspectRow",
    "RegisterRow",
]


class RegisterRow(Base):
    """What the Surveillance Camera Code asks to be known about one camera, and who paid for it."""

    __tablename__ = "camera_register"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    site: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    installed_on: Mapped[date | None] = mapped_column(Date)
    # council_capital | section_106 | secured_by_design | partner_funded
    funding_source: Mapped[str] = mapped_column(String(32), default="council_capital")
    s106_agreement_ref: Mapped[str | None] = mapped_column(String(100))
    s106_obligation_no: Mapped[str | None] = mapped_column(String(20))
    planning_application_ref: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text, default="")
    lawful_basis: Mapped[str] = mapped_column(String(200), default="")
    dpia_ref: Mapped[str] = mapped_column(String(100), default="")
    or_level: Mapped[str] = mapped_column(String(16), default="observe")  # detect | observe | recognise | identify
    review_due_on: Mapped[date | None] = mapped_column(Date)
    decommissioned_on: Mapped[date | None] = mapped_column(Date)
    covert: Mapped[bool] = mapped_column(Boolean, default=False)
    police_only: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_us: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class ContactRow(Base):
    __tablename__ = "partner_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="")  # billing | security | data protection | …
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")


class PlanRow(Base):
    """A tariff. ``tier``: monitored | record_only | link_only | nominal.

    ``search_fees``: ``[[max_hours or null, fee_p], …]``, the footage-search fee by duration band.
    """

    __tablename__ = "partner_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(16))
    connection_fee_p: Mapped[int] = mapped_column(Integer, default=0)  # per camera, once
    monitoring_per_camera_hour_p: Mapped[int] = mapped_column(Integer, default=0)
    monitoring_basis: Mapped[str] = mapped_column(String(16), default="connected")  # connected | wall
    retainer_per_camera_month_p: Mapped[int] = mapped_column(Integer, default=0)
    link_per_camera_month_p: Mapped[int] = mapped_column(Integer, default=0)
    storage_per_gb_day_p: Mapped[int] = mapped_column(Integer, default=0)
    ptz_per_minute_p: Mapped[int] = mapped_column(Integer, default=0)
    search_fees: Mapped[list[Any]] = mapped_column(JSON, default=list)
    supply_fee_p: Mapped[int] = mapped_column(Integer, default=0)
    sla_uptime_pct: Mapped[float] = mapped_column(Float, default=99.0)
    sla_credit_pct: Mapped[float] = mapped_column(Float, default=0.0)
    vat_bp: Mapped[int] = mapped_column(Integer, default=2000)  # basis points: 2000 = 20 %


class ContractRow(Base):
    """A partner on a plan from ``start_on`` to ``end_on`` (inclusive; NULL: open-ended). A plan change
    is a new contract starting the day after the old one ends, with ``connection_fee_due`` false."""

    __tablename__ = "partner_contracts"
    __table_args__ = (Index("ix_partner_contracts_org", "organisation_id", "start_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    plan_id: Mapped[int] = mapped_column(ForeignKey("partner_plans.id", ondelete="RESTRICT"))
    reference: Mapped[str] = mapped_column(String(100))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    connection_fee_due: Mapped[bool] = mapped_column(Boolean, default=True)
    created_us: Mapped[int] = mapped_column(BigInteger)


class ProspectRow(Base):
    """A prospective partner in the sales pipeline, weighed by ``probability_pct`` in the forecast."""

    __tablename__ = "partner_prospects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    plan_id: Mapped[int] = mapped_column(ForeignKey("partner_plans.id", ondelete="RESTRICT"))
    cameras: Mapped[int] = mapped_column(Integer)
    monitored_hours_per_day: Mapped[float] = mapped_column(Float, default=24.0)
    probability_pct: Mapped[float] = mapped_column(Float)
    expected_start_on: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(Integer, default=36)
    notes: Mapped[str] = mapped_column(Text, default="")


class FootageRequestRow(Base):
    """A request for footage from a solicitor, insurer, member of the public, partner or police."""

    __tablename__ = "footage_requests"
    __table_args__ = (Index("ix_footage_requests_status", "status", "deadline_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_kind: Mapped[str] = mapped_column(String(16))  # subject_access | solicitor | insurer | partner | police
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str] = mapped_column(String(200), default="")
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)  # a partner asking for a search
    reference: Mapped[str] = mapped_column(String(100), default="")
    received_us: Mapped[int] = mapped_column(BigInteger)
    identity_checked_us: Mapped[int | None] = mapped_column(BigInteger)
    identity_method: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text, default="")
    search_fee_p: Mapped[int] = mapped_column(Integer, default=0)
    supply_fee_p: Mapped[int] = mapped_column(Integer, default=0)
    # open | exporting (an evidence export is running) | fulfilled | refused | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="open")
    deadline_on: Mapped[date] = mapped_column(Date)
    extended_months: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    closed_us: Mapped[int | None] = mapped_column(BigInteger)
    footage_found: Mapped[bool | None] = mapped_column(Boolean)
    fulfilment_ref: Mapped[str] = mapped_column(String(200), default="")  # evidence export id, refusal reason
    export_id: Mapped[str | None] = mapped_column(String(36))  # the evidence export fulfilling it (0016)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class MeterDayRow(Base):
    """One camera's meters over one closed Europe/London day: a month reads 31 rows instead of its files.

    ``storage_byte_us`` is Σ size × time held within the day (REAL: byte-µs overflow 64-bit integers);
    ``held_bytes`` the bytes held at the day's end, which the next day's storage starts from.
    Rows are a cache of the index: migration 0016's triggers delete a day when its recordings, gaps or
    deletions change, and the next reading recomputes it (see rollup.py).
    """

    __tablename__ = "meter_days"
    __table_args__ = (Index("ix_meter_days_camera_end", "camera_id", "end_us"),)

    camera_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    recorded_us: Mapped[int] = mapped_column(BigInteger)
    offline_us: Mapped[int] = mapped_column(BigInteger)
    platform_gap_us: Mapped[int] = mapped_column(BigInteger)
    wall_us: Mapped[int] = mapped_column(BigInteger)
    ptz_minutes: Mapped[int] = mapped_column(Integer)
    storage_byte_us: Mapped[float] = mapped_column(Float)
    held_bytes: Mapped[int] = mapped_column(BigInteger)
    computed_us: Mapped[int] = mapped_column(BigInteger)


PARTNER_TABLES = (
    "camera_register",
    "footage_requests",
    "meter_days",
    "partner_contacts",
    "partner_contracts",
    "partner_plans",
    "partner_prospects",
)

"""partners: camera register, contacts, plans, contracts, prospects, footage requests

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_register",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("funding_source", sa.String(length=32), nullable=False),
        sa.Column("s106_agreement_ref", sa.String(length=100), nullable=True),
        sa.Column("s106_obligation_no", sa.String(length=20), nullable=True),
        sa.Column("planning_application_ref", sa.String(length=100), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("lawful_basis", sa.String(length=200), nullable=False),
        sa.Column("dpia_ref", sa.String(length=100), nullable=False),
        sa.Column("or_level", sa.String(length=16), nullable=False),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column("decommissioned_on", sa.Date(), nullable=True),
        sa.Column("covert", sa.Boolean(), nullable=False),
        sa.Column("police_only", sa.Boolean(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_id"),
    )
    op.create_table(
        "partner_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_partner_contacts_organisation_id", "partner_contacts", ["organisation_id"])
    op.create_table(
        "partner_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("connection_fee_p", sa.Integer(), nullable=False),
        sa.Column("monitoring_per_camera_hour_p", sa.Integer(), nullable=False),
        sa.Column("monitoring_basis", sa.String(length=16), nullable=False),
        sa.Column("retainer_per_camera_month_p", sa.Integer(), nullable=False),
        sa.Column("link_per_camera_month_p", sa.Integer(), nullable=False),
        sa.Column("storage_per_gb_day_p", sa.Integer(), nullable=False),
        sa.Column("ptz_per_minute_p", sa.Integer(), nullable=False),
        sa.Column("search_fees", sa.JSON(), nullable=False),
        sa.Column("supply_fee_p", sa.Integer(), nullable=False),
        sa.Column("sla_uptime_pct", sa.Float(), nullable=False),
        sa.Column("sla_credit_pct", sa.Float(), nullable=False),
        sa.Column("vat_bp", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "partner_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("connection_fee_due", sa.Boolean(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["partner_plans.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_partner_contracts_org", "partner_contracts", ["organisation_id", "start_on"])
    op.create_table(
        "partner_prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("cameras", sa.Integer(), nullable=False),
        sa.Column("monitored_hours_per_day", sa.Float(), nullable=False),
        sa.Column("probability_pct", sa.Float(), nullable=False),
        sa.Column("expected_start_on", sa.Date(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["partner_plans.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "footage_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_kind", sa.String(length=16), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_email", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("received_us", sa.BigInteger(), nullable=False),
        sa.Column("identity_checked_us", sa.BigInteger(), nullable=True),
        sa.Column("identity_method", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("search_fee_p", sa.Integer(), nullable=False),
        sa.Column("supply_fee_p", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("extended_months", sa.Integer(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=False),
        sa.Column("closed_us", sa.BigInteger(), nullable=True),
        sa.Column("footage_found", sa.Boolean(), nullable=True),
        sa.Column("fulfilment_ref", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_footage_requests_organisation_id", "footage_requests", ["organisation_id"])
    op.create_index("ix_footage_requests_status", "footage_requests", ["status", "deadline_on"])


def downgrade() -> None:
    op.drop_index("ix_footage_requests_status", table_name="footage_requests")
    op.drop_index("ix_footage_requests_organisation_id", table_name="footage_requests")
    op.drop_table("footage_requests")
    op.drop_table("partner_prospects")
    op.drop_index("ix_partner_contracts_org", table_name="partner_contracts")
    op.drop_table("partner_contracts")
    op.drop_table("partner_plans")
    op.drop_index("ix_partner_contacts_organisation_id", table_name="partner_contacts")
    op.drop_table("partner_contacts")
    op.drop_table("camera_register")

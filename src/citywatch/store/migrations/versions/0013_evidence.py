"""evidence: cases, exports, disclosures

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 03:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("review_us", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evidence_cases_reference", "evidence_cases", ["reference"])
    op.create_table(
        "evidence_case_holds",
        sa.Column("hold_id", sa.Integer(), sa.ForeignKey("holds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("evidence_cases.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("hold_id"),
    )
    op.create_index("ix_evidence_case_holds_case_id", "evidence_case_holds", ["case_id"])
    op.create_table(
        "evidence_exports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("evidence_cases.id", ondelete="RESTRICT"), nullable=True),
        sa.Column("camera_ids", sa.Text(), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("bundle_dir", sa.String(length=1000), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("finished_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "evidence_exhibits",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column(
            "export_id", sa.String(length=36), sa.ForeignKey("evidence_exports.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("derived_from", sa.String(length=64), nullable=True),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evidence_exhibits_export", "evidence_exhibits", ["export_id"])
    op.create_index("ix_evidence_exhibits_sha256", "evidence_exhibits", ["sha256"])
    op.create_table(
        "evidence_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "export_id", sa.String(length=36), sa.ForeignKey("evidence_exports.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("expires_us", sa.BigInteger(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_table(
        "evidence_disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "export_id", sa.String(length=36), sa.ForeignKey("evidence_exports.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column(
            "delivery_id", sa.Integer(), sa.ForeignKey("evidence_deliveries.id", ondelete="RESTRICT"), nullable=True
        ),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("disclosed_by", sa.String(length=200), nullable=False),
        sa.Column("disclosed_us", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evidence_disclosures_at", "evidence_disclosures", ["disclosed_us"])


def downgrade() -> None:
    for table in (
        "evidence_disclosures",
        "evidence_deliveries",
        "evidence_exhibits",
        "evidence_exports",
        "evidence_case_holds",
        "evidence_cases",
    ):
        op.drop_table(table)

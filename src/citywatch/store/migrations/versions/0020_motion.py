"""motion: events found by keyframe differencing, for the timeline

One row per motion event of a camera (``end_us`` NULL while it lasts); events are at most ten minutes
long (longer motion is several rows), so the timeline reads a bounded range of ``ix_motion_camera_start``.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26 10:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "motion",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("camera_id", sa.Integer(), sa.ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=True),
        sa.Column("peak", sa.Float(), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
    )
    op.create_index("ix_motion_camera_start", "motion", ["camera_id", "start_us"])


def downgrade() -> None:
    op.drop_index("ix_motion_camera_start", table_name="motion")
    op.drop_table("motion")

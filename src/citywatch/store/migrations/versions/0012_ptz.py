"""ptz: presets, tours

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 03:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ptz_settings",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("lease_s", sa.Float(), nullable=False),
        sa.Column("home_on_lapse", sa.Boolean(), nullable=False),
        sa.Column("max_reservation_s", sa.Float(), nullable=False),
        sa.Column("tour_resume_s", sa.Float(), nullable=False),
        sa.Column("role_priority", sa.JSON(), nullable=False),
        sa.Column("organisation_bonus", sa.JSON(), nullable=False),
        sa.Column("hfov_wide_deg", sa.Float(), nullable=True),
        sa.Column("max_zoom", sa.Float(), nullable=False),
        sa.Column("zoom_law", sa.String(length=16), nullable=False),
        sa.Column("tilt_range_deg", sa.Float(), nullable=False),
        sa.Column("mount_height_m", sa.Float(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_id"),
    )
    op.create_table(
        "ptz_tours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("resume_after_s", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("camera_id", "name", name="uq_ptz_tours_camera_name"),
    )
    with op.batch_alter_table("ptz_tours", schema=None) as batch_op:
        batch_op.create_index("ix_ptz_tours_camera_id", ["camera_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ptz_tours", schema=None) as batch_op:
        batch_op.drop_index("ix_ptz_tours_camera_id")
    op.drop_table("ptz_tours")
    op.drop_table("ptz_settings")

"""tracking: devices, positions, zones, zone states, alerts

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-25 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("covert", sa.Boolean(), nullable=False),
        sa.Column("clock_tz", sa.String(length=64), nullable=False),
        sa.Column("expected_interval_s", sa.Float(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identifier"),
    )
    op.create_table(
        "tracking_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("device_us", sa.BigInteger(), nullable=True),
        sa.Column("fix_us", sa.BigInteger(), nullable=False),
        sa.Column("server_us", sa.BigInteger(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=False),
        sa.Column("course", sa.Float(), nullable=True),
        sa.Column("altitude", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["tracking_devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tracking_positions", schema=None) as batch_op:
        batch_op.create_index("ix_tracking_positions_device_fix", ["device_id", "fix_us"], unique=False)

    op.create_table(
        "tracking_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["tracking_devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tracking_zone_states",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("inside", sa.Boolean(), nullable=True),
        sa.Column("since_us", sa.BigInteger(), nullable=False),
        sa.Column("pending_count", sa.Integer(), nullable=False),
        sa.Column("pending_since_us", sa.BigInteger(), nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.Column("suspect", sa.Boolean(), nullable=False),
        sa.Column("last_distance_m", sa.Float(), nullable=True),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["tracking_devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["zone_id"], ["tracking_zones.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id", "zone_id"),
    )
    op.create_table(
        "tracking_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.BigInteger(), nullable=True),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("raised_us", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("assigned_to", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["tracking_devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tracking_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_tracking_alerts_device", ["device_id", "raised_us"], unique=False)
        batch_op.create_index("ix_tracking_alerts_state_raised", ["state", "raised_us"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tracking_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_alerts_state_raised")
        batch_op.drop_index("ix_tracking_alerts_device")
    op.drop_table("tracking_alerts")
    op.drop_table("tracking_zone_states")
    op.drop_table("tracking_zones")
    with op.batch_alter_table("tracking_positions", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_positions_device_fix")
    op.drop_table("tracking_positions")
    op.drop_table("tracking_devices")

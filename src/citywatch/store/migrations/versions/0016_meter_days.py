"""meter_days: the partners' daily meter roll-up, its invalidation triggers, deletions indexes; footage export link

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 05:00:00.000000

The triggers delete the roll-up rows a change to the index can affect (see partners/rollup.py): a recording
added or changed affects its own days (recorded) and every later day (storage); a deletion dated before a
day's end affects that day's storage; a gap affects the days it touches. In the normal course rows change
at "now", after every closed day, and the triggers delete nothing (one index probe each).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# (trigger, table, events, DELETE … WHERE for a row in the new state, the same for the old state)
_FORGET = [
    ("meter_days_recording_added", "recordings", "INSERT", "NEW.camera_id", "NEW.start_us"),
    ("meter_days_recording_changed", "recordings", "UPDATE OF camera_id, start_us, end_us, size_bytes",
     "OLD.camera_id", "OLD.start_us"),
    ("meter_days_recording_changed_to", "recordings", "UPDATE OF camera_id, start_us, end_us, size_bytes",
     "NEW.camera_id", "NEW.start_us"),
    ("meter_days_deletion_added", "deletions", "INSERT", "NEW.camera_id", "NEW.deleted_us"),
    ("meter_days_gap_added", "gaps", "INSERT", "NEW.camera_id", "NEW.start_us"),
    ("meter_days_gap_changed", "gaps", "UPDATE", "OLD.camera_id", "OLD.start_us"),
    ("meter_days_gap_changed_to", "gaps", "UPDATE", "NEW.camera_id", "NEW.start_us"),
    ("meter_days_gap_removed", "gaps", "DELETE", "OLD.camera_id", "OLD.start_us"),
]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "meter_days",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("recorded_us", sa.BigInteger(), nullable=False),
        sa.Column("offline_us", sa.BigInteger(), nullable=False),
        sa.Column("platform_gap_us", sa.BigInteger(), nullable=False),
        sa.Column("wall_us", sa.BigInteger(), nullable=False),
        sa.Column("ptz_minutes", sa.Integer(), nullable=False),
        sa.Column("storage_byte_us", sa.Float(), nullable=False),
        sa.Column("held_bytes", sa.BigInteger(), nullable=False),
        sa.Column("computed_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("camera_id", "day"),
    )
    op.create_index("ix_meter_days_camera_end", "meter_days", ["camera_id", "end_us"])
    # The meters read deletions by camera and time: by the file's start (recorded) and by when it went (storage).
    op.create_index("ix_deletions_camera_start", "deletions", ["camera_id", "start_us"])
    op.create_index("ix_deletions_camera_deleted", "deletions", ["camera_id", "deleted_us"])
    op.add_column("footage_requests", sa.Column("export_id", sa.String(length=36), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, events, camera, since in _FORGET:
        forget = f"DELETE FROM meter_days WHERE camera_id = {camera} AND end_us > {since};"  # noqa: S608 (constants)
        if postgres:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {forget} RETURN NULL; END $$"
            )
            op.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW BEGIN {forget} END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, *_ in _FORGET:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    with op.batch_alter_table("footage_requests") as batch:
        batch.drop_column("export_id")
    op.drop_index("ix_deletions_camera_deleted", table_name="deletions")
    op.drop_index("ix_deletions_camera_start", table_name="deletions")
    op.drop_index("ix_meter_days_camera_end", table_name="meter_days")
    op.drop_table("meter_days")

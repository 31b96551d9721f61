"""wide ids: 64-bit recording and position ids on PostgreSQL

At 800 one-minute files a minute a 32-bit recordings.id lasts about five years; at 1,000 tracker
positions a second a 32-bit tracking_positions.id lasts about 25 days. SQLite's INTEGER PRIMARY
KEY is already 64-bit, so this changes nothing there.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 05:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# table, column, the sequence behind it (None: not an id column)
_COLUMNS = (
    ("recordings", "id", "recordings_id_seq"),
    ("deletions", "recording_id", None),
    ("tracking_positions", "id", "tracking_positions_id_seq"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, sequence in _COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")
        if sequence is not None:
            op.execute(f"ALTER SEQUENCE IF EXISTS {sequence} AS BIGINT")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, sequence in _COLUMNS:
        if sequence is not None:
            op.execute(f"ALTER SEQUENCE IF EXISTS {sequence} AS INTEGER")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER")

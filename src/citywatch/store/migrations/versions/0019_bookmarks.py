"""bookmarks: named instants and ranges on a camera's recordings; alarms by camera for the timeline

``bookmarks``: one row per bookmark (an instant when ``end_us`` is NULL), read by camera and time.
``ix_alarms_camera_cleared``: the timeline's alarms of one camera cleared after (or open at) a time.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookmarks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("camera_id", sa.Integer(), sa.ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_bookmarks_camera_start", "bookmarks", ["camera_id", "start_us"])
    op.create_index("ix_alarms_camera_cleared", "alarms", ["camera_id", "cleared_us", "raised_us"])


def downgrade() -> None:
    op.drop_index("ix_alarms_camera_cleared", table_name="alarms")
    op.drop_index("ix_bookmarks_camera_start", table_name="bookmarks")
    op.drop_table("bookmarks")

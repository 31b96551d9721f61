"""ui: saved video-wall layouts and UI settings per user

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ui_layouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("grid", sa.Integer(), nullable=False),
        sa.Column("tiles", sa.JSON(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", "name", name="uq_ui_layouts_username_name"),
    )
    with op.batch_alter_table("ui_layouts", schema=None) as batch_op:
        batch_op.create_index("ix_ui_layouts_username", ["username"], unique=False)
    op.create_table(
        "ui_settings",
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )


def downgrade() -> None:
    op.drop_table("ui_settings")
    with op.batch_alter_table("ui_layouts", schema=None) as batch_op:
        batch_op.drop_index("ix_ui_layouts_username")
    op.drop_table("ui_layouts")

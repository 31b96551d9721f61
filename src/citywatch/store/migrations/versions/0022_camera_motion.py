"""cameras: motion detection on or off, and its sensitivity, per camera

``motion``: false stops the recorder analysing that camera's keyframes (a camera whose view moves all
day, or one the operator's privacy assessment keeps out of analysis). ``motion_min_area``: the share
of the picture that must change, instead of the installation's ``recorder.motion_min_area``.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-26 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("motion", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("motion_min_area", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("motion_min_area")
        batch.drop_column("motion")

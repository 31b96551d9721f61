"""motion going on now; failed sign-ins by client address

``ix_motion_open``: the open motion rows (partial, ``end_us IS NULL``), read once a second by a
single-node API for its events and by ``GET /cameras`` for ``motion_since`` (fleet/events.py).
``ix_audit_login_failed``: ``auth.login_failed`` entries by client and time (partial), for the sign-in
throttle shared by API processes (access/throttle.py).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-26 11:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_OPEN = sa.text("end_us IS NULL")
_FAILED = sa.text("action = 'auth.login_failed'")


def upgrade() -> None:
    op.create_index("ix_motion_open", "motion", ["start_us", "camera_id"], postgresql_where=_OPEN, sqlite_where=_OPEN)
    op.create_index(
        "ix_audit_login_failed", "audit_log", ["client", "at_us"], postgresql_where=_FAILED, sqlite_where=_FAILED
    )


def downgrade() -> None:
    op.drop_index("ix_audit_login_failed", table_name="audit_log")
    op.drop_index("ix_motion_open", table_name="motion")

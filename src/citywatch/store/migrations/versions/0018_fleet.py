"""fleet: recorder nodes, camera leases with fencing epochs, per-node garbage

``nodes``: one row per recorder node (heartbeat, where its media server listens, what it holds).
``camera_leases``: which node records a camera, until when; ``epoch`` grows by one at every change
of holder and is the fencing token index writes are checked against.
``garbage.node``: a crash-safe delete is finished by the node whose disk holds the file.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26 07:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nodes",
        sa.Column("name", sa.String(length=100), primary_key=True),
        sa.Column("url", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("started_us", sa.BigInteger(), nullable=False),
        sa.Column("heartbeat_us", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False, server_default="up"),  # up | draining | down
        sa.Column("version", sa.String(length=40), nullable=False, server_default=""),
        sa.Column("cameras", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("bitrate_kbps", sa.Float(), nullable=False, server_default="0"),
        sa.Column("free_bytes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("media_dirs", sa.Text(), nullable=False, server_default="[]"),  # JSON list of paths
        sa.Column("errors", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "camera_leases",
        sa.Column("camera_id", sa.Integer(), sa.ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("node", sa.String(length=100), nullable=True),  # NULL: free to take
        sa.Column("epoch", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("acquired_us", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("expires_us", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_index("ix_camera_leases_node", "camera_leases", ["node"])
    with op.batch_alter_table("garbage") as batch:
        batch.add_column(sa.Column("node", sa.String(length=100), nullable=False, server_default="local"))


def downgrade() -> None:
    with op.batch_alter_table("garbage") as batch:
        batch.drop_column("node")
    op.drop_index("ix_camera_leases_node", table_name="camera_leases")
    op.drop_table("camera_leases")
    op.drop_table("nodes")

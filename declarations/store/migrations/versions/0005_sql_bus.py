"""The embedded mode's durable in-process bus: one log table and the consumer groups' positions.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bus_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(120), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_bus_log_topic_id", "bus_log", ["topic", "id"])
    op.create_table(
        "bus_positions",
        sa.Column("group_id", sa.String(120), primary_key=True),
        sa.Column("topic", sa.String(120), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bus_positions")
    op.drop_table("bus_log")

"""Stage state per key, processed offsets per stage and bus epoch, and the stage outbox.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Aware = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stage_state",
        sa.Column("stage", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("state", sa.LargeBinary, nullable=False),
        sa.Column("deadline", Aware, nullable=True),
        sa.Column("updated_at", Aware, nullable=False),
    )
    op.create_index("ix_stage_state_deadline", "stage_state", ["stage", "deadline"])
    op.create_table(
        "stage_offsets",
        sa.Column("stage", sa.String(40), primary_key=True),
        sa.Column("epoch", sa.String(40), primary_key=True),
        sa.Column("topic", sa.String(120), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "stage_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("topic", sa.String(120), nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
    )
    op.create_index("ix_stage_outbox_stage", "stage_outbox", ["stage"])


def downgrade() -> None:
    for table in ("stage_outbox", "stage_offsets", "stage_state"):
        op.drop_table(table)

"""Webhooks an enterprise can remove (kept with `removed_at`), one live registration per URL.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LIVE = sa.text("removed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:  # SQLite alters a table by copying it
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_webhooks_live_url",
        "webhooks",
        ["enterprise_code", "url"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_webhooks_live_url", table_name="webhooks")
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("removed_at")

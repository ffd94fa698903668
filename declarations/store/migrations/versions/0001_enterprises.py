"""Enterprises, their API keys, certificates and webhooks.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Aware = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "enterprises",
        sa.Column("code", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("dxp_id", sa.String(30), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("created_at", Aware, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("enterprise_code", sa.String(18), sa.ForeignKey("enterprises.code"), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", Aware, nullable=False),
        sa.Column("revoked_at", Aware, nullable=True),
    )
    op.create_index("ix_api_keys_enterprise_code", "api_keys", ["enterprise_code"])
    op.create_table(
        "certificates",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("enterprise_code", sa.String(18), sa.ForeignKey("enterprises.code"), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("der", sa.LargeBinary, nullable=False),
        sa.Column("created_at", Aware, nullable=False),
    )
    op.create_index("ix_certificates_enterprise_code", "certificates", ["enterprise_code"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("enterprise_code", sa.String(18), sa.ForeignKey("enterprises.code"), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_at", Aware, nullable=False),
    )
    op.create_index("ix_webhooks_enterprise_code", "webhooks", ["enterprise_code"])


def downgrade() -> None:
    for table in ("webhooks", "certificates", "api_keys", "enterprises"):
        op.drop_table(table)

"""Accepted documents, who is named in them, receipts, counters and webhook deliveries.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Aware = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("guid", sa.String(36), nullable=False),
        sa.Column("message_type", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("business_key", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.Column("sender_code", sa.String(18), nullable=False),
        sa.Column("app_type", sa.String(1), nullable=False),
        sa.Column("app_status", sa.String(3), nullable=False),
        sa.Column("app_time", Aware, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("routing_key", sa.String(200), nullable=False),
        sa.Column("pre_no", sa.String(18), nullable=True),
        sa.Column("invt_no", sa.String(20), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("accepted_at", Aware, nullable=False),
        sa.UniqueConstraint("message_type", "business_key", "version", name="uq_documents_key_version"),
    )
    op.create_index("ix_documents_guid", "documents", ["guid"])
    op.create_index("ix_documents_current_key", "documents", ["message_type", "business_key", "current"])
    op.create_table(
        "document_parties",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("enterprise_code", sa.String(18), primary_key=True),
    )
    op.create_index("ix_document_parties_enterprise_code", "document_parties", ["enterprise_code"])
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("enterprise_code", sa.String(18), nullable=False),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=True),
        sa.Column("message_type", sa.String(8), nullable=False),
        sa.Column("document_guid", sa.String(36), nullable=False),
        sa.Column("business_key", sa.String(200), nullable=False),
        sa.Column("return_status", sa.String(10), nullable=False),
        sa.Column("return_time", Aware, nullable=False),
        sa.Column("return_info", sa.String(1000), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", Aware, nullable=False),
        sa.UniqueConstraint("document_id", "message_type", "return_status", name="uq_receipts_once"),
    )
    op.create_index("ix_receipts_enterprise_cursor", "receipts", ["enterprise_code", "id"])
    op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.Integer, sa.ForeignKey("webhooks.id"), nullable=False),
        sa.Column("receipt_id", sa.Integer, sa.ForeignKey("receipts.id"), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", Aware, nullable=True),
        sa.Column("last_status_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("delivered_at", Aware, nullable=True),
        sa.UniqueConstraint("webhook_id", "receipt_id", name="uq_webhook_deliveries_once"),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at"])


def downgrade() -> None:
    for table in ("webhook_deliveries", "counters", "receipts", "document_parties", "documents"):
        op.drop_table(table)

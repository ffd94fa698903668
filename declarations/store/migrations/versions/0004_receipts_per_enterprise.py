"""A receipt is stored once per enterprise it is delivered to (sender, parties, subscribers).

0002 made (document_id, message_type, return_status) unique, which allows only one recipient per
receipt; the receipts feed and the webhooks read rows by `enterprise_code`, so the key gains it.
On SQLite the table is rebuilt (batch mode); `webhook_deliveries`, which references it, is empty
at this revision because nothing before it wrote deliveries.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("receipts", recreate="auto") as batch:
        batch.drop_constraint("uq_receipts_once", type_="unique")
        batch.create_unique_constraint(
            "uq_receipts_once", ["document_id", "message_type", "return_status", "enterprise_code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("receipts", recreate="auto") as batch:
        batch.drop_constraint("uq_receipts_once", type_="unique")
        batch.create_unique_constraint("uq_receipts_once", ["document_id", "message_type", "return_status"])

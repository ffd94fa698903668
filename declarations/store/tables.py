"""The tables, as SQLAlchemy Core metadata. Migrations create them; code reads and writes through this."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class AwareDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware time on every database: stored in UTC, read back as UTC.

    PostgreSQL keeps the zone itself; SQLite keeps text without one, so without this a time
    written in China time would come back naive and wall-clock shifted.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive time cannot be stored: {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Aware = AwareDateTime()

enterprises = sa.Table(
    "enterprises",
    metadata,
    sa.Column("code", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("dxp_id", sa.String(30), nullable=False),
    sa.Column("roles", sa.String(200), nullable=False),  # space-separated Role values
    sa.Column("created_at", Aware, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("enterprise_code", sa.ForeignKey("enterprises.code"), nullable=False, index=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the key
    sa.Column("prefix", sa.String(16), nullable=False),  # shown in listings to tell keys apart
    sa.Column("created_at", Aware, nullable=False),
    sa.Column("revoked_at", Aware, nullable=True),
)

certificates = sa.Table(
    "certificates",
    metadata,
    sa.Column("fingerprint", sa.String(64), primary_key=True),  # sha256 hex of the DER
    sa.Column("enterprise_code", sa.ForeignKey("enterprises.code"), nullable=False, index=True),
    sa.Column("serial", sa.String(64), nullable=False),
    sa.Column("der", sa.LargeBinary, nullable=False),
    sa.Column("created_at", Aware, nullable=False),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("enterprise_code", sa.ForeignKey("enterprises.code"), nullable=False, index=True),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("created_at", Aware, nullable=False),
    sa.Column("removed_at", Aware, nullable=True),  # removed: kept, for the delivery log's history
    # one live registration per enterprise and URL: a retried POST /api/webhooks cannot add a second
    sa.Index(
        "ix_webhooks_live_url",
        "enterprise_code",
        "url",
        unique=True,
        postgresql_where=sa.text("removed_at IS NULL"),
        sqlite_where=sa.text("removed_at IS NULL"),
    ),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("guid", sa.String(36), nullable=False, index=True),
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
    sa.Column("status", sa.String(10), nullable=False),  # the latest returnStatus
    sa.Column("body", sa.LargeBinary, nullable=False),  # the document as a one-document CEB message
    sa.Column("accepted_at", Aware, nullable=False),
    sa.UniqueConstraint("message_type", "business_key", "version", name="uq_documents_key_version"),
    sa.Index("ix_documents_current_key", "message_type", "business_key", "current"),
)

document_parties = sa.Table(
    "document_parties",
    metadata,
    sa.Column("document_id", sa.ForeignKey("documents.id"), primary_key=True),
    sa.Column("enterprise_code", sa.String(18), primary_key=True, index=True),
)

receipts = sa.Table(
    "receipts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # the receipts API cursor
    sa.Column("enterprise_code", sa.String(18), nullable=False),
    sa.Column("document_id", sa.ForeignKey("documents.id"), nullable=True),
    sa.Column("message_type", sa.String(8), nullable=False),  # CEB312, CEB622, CEB816, ...
    sa.Column("document_guid", sa.String(36), nullable=False),
    sa.Column("business_key", sa.String(200), nullable=False),
    sa.Column("return_status", sa.String(10), nullable=False),
    sa.Column("return_time", Aware, nullable=False),
    sa.Column("return_info", sa.String(1000), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),  # the receipt as a one-receipt CEB message
    sa.Column("created_at", Aware, nullable=False),
    # a stage that is redelivered a record may emit the same receipt again: stored once per recipient
    sa.UniqueConstraint(
        "document_id", "message_type", "return_status", "enterprise_code", name="uq_receipts_once"
    ),
    sa.Index("ix_receipts_enterprise_cursor", "enterprise_code", "id"),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("webhook_id", sa.ForeignKey("webhooks.id"), nullable=False),
    sa.Column("receipt_id", sa.ForeignKey("receipts.id"), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # pending | delivered | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", Aware, nullable=True),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Column("delivered_at", Aware, nullable=True),
    sa.UniqueConstraint("webhook_id", "receipt_id", name="uq_webhook_deliveries_once"),
    sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
)

stage_state = sa.Table(
    "stage_state",
    metadata,
    sa.Column("stage", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("state", sa.LargeBinary, nullable=False),
    sa.Column("deadline", Aware, nullable=True),  # when `tick` must look at this key again
    sa.Column("updated_at", Aware, nullable=False),
    sa.Index("ix_stage_state_deadline", "stage", "deadline"),
)

stage_offsets = sa.Table(
    "stage_offsets",
    metadata,
    sa.Column("stage", sa.String(40), primary_key=True),
    sa.Column("epoch", sa.String(40), primary_key=True),  # the bus instance: a memory bus starts again at 0
    sa.Column("topic", sa.String(120), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("offset", sa.BigInteger, nullable=False),
)

stage_outbox = sa.Table(
    "stage_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stage", sa.String(40), nullable=False, index=True),
    # topic "" (stage_store.BATCH_TOPIC): the value holds a whole batch's outputs, pickled
    sa.Column("topic", sa.String(120), nullable=False),
    sa.Column("key", sa.LargeBinary, nullable=False),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("headers", sa.Text, nullable=False),  # JSON [[name, base64 value], ...]
)

bus_log = sa.Table(
    "bus_log",
    metadata,
    # One sequence for every topic: SQLite assigns it under its single write lock, so ids are in
    # commit order and a consumer reading `id > position` never skips a late commit.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String(120), nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("key", sa.LargeBinary, nullable=False),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("headers", sa.Text, nullable=False),
    sa.Index("ix_bus_log_topic_id", "topic", "id"),
    sqlite_autoincrement=True,
)

bus_positions = sa.Table(
    "bus_positions",
    metadata,
    sa.Column("group_id", sa.String(120), primary_key=True),
    sa.Column("topic", sa.String(120), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # the last bus_log id the group committed
)

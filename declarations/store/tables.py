"""The tables, as SQLAlchemy Core metadata. Migrations create them; code reads and writes through this."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Aware = sa.DateTime(timezone=True)

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
)

"""Bring a database to the newest schema revision with Alembic, from code (no alembic.ini needed).

python -m declarations.store.migrate sqlite:///var/cebsim.db
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from declarations.errors import StoreUnavailableError
from declarations.store.counters import advisory_lock_id
from declarations.store.engine import create_engine, shown_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = advisory_lock_id("cebsim:migrations")


def alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Migrate in one transaction. Processes that start together on a fresh PostgreSQL database
    (`docker compose up`: the gateway and its workers) take turns: without the lock each created
    the tables, and all but one failed on a duplicate type. The later ones find the newest revision."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
        command.upgrade(alembic_config(connection), revision)


def open_store(url: str) -> sa.Engine:
    """An engine on `url` whose schema is at the newest revision.

    A database that cannot be reached raises StoreUnavailableError naming it (password hidden).
    """
    engine = create_engine(url)
    try:
        upgrade(engine)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise StoreUnavailableError(f"the database at {shown_url(url)} cannot be reached: {reason}") from exc
    return engine


if __name__ == "__main__":
    upgrade(create_engine(sys.argv[1]))

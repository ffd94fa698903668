"""What the `cebsim enterprise` commands share: the --db option and the registry it opens, the
forms an enterprise code may take, and the clock."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import click
import sqlalchemy as sa

from declarations.errors import DependencyError
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from gateway.database_url import check_database_url

DEFAULT_DB = "sqlite:///var/cebsim.db"
# a customs registration code (digits and capitals, like 3301964J31), or a unified social credit
# code (GB 32100: its alphabet has no I, O, S, V or Z; the check character is not verified)
ENTERPRISE_CODE = re.compile(r"[0-9A-Z]{10}|[0-9A-HJ-NPQRTUWXY]{18}")
CODE_FORMAT = "a 10-character customs code (digits and capital letters) or an 18-character USCC"
db_option = click.option(
    "--db",
    default=lambda: os.environ.get("CEBSIM_DB", DEFAULT_DB),
    show_default="$CEBSIM_DB or " + DEFAULT_DB,
    help="SQLAlchemy database URL of the simulator.",
)


def store(db: str) -> sa.Engine:
    """The migrated database, or a one-line error when it cannot be reached."""
    check_database_url(db, "--db")
    try:
        return open_store(db)
    except DependencyError as exc:
        raise click.ClickException(str(exc)) from exc


def registry(db: str) -> EnterpriseRegistry:
    return EnterpriseRegistry(store(db))


def now() -> datetime:
    return datetime.now(UTC)

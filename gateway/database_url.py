"""Whether cebsim can open a database URL, checked where the URL comes in (`--db`, CEBSIM_DB): a
wrong one is then one error line naming where it came from, not SQLAlchemy's NoSuchModuleError or
ImportError from deep inside a command."""

from __future__ import annotations

import click
import sqlalchemy as sa

from declarations.store.engine import shown_url


def check_database_url(url: str, name: str) -> None:
    """A one-line error naming the option or variable `name` unless cebsim can open `url` (else
    SQLAlchemy raises NoSuchModuleError or ImportError deep inside the command)."""
    if not _opens(url):
        raise click.ClickException(
            f"{name} is not a database URL cebsim can open ({shown_url(url)}): "
            "give sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"
        )


def _opens(url: str) -> bool:
    """A SQLite or PostgreSQL URL whose driver is installed."""
    try:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            return False
        parsed.get_dialect().import_dbapi()
    except (sa.exc.ArgumentError, ImportError):  # NoSuchModuleError is an ArgumentError
        return False
    return True

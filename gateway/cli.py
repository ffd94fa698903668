"""`cebsim`: the one command-line entry point. Thin: it reads settings and calls into the packages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cebsim")
def main() -> None:
    """cebsim — a simulator of China Customs' cross-border e-commerce declaration and clearance system."""


@main.command()
@click.option(
    "--bus", type=click.Choice(["memory", "kafka"]), default=None, help="Message bus (default: memory)."
)
@click.option("--kafka", default=None, help="Kafka bootstrap servers, HOST:PORT.")
@click.option("--db", default=None, help="SQLAlchemy database URL (default: sqlite:///var/cebsim.db).")
@click.option("--host", default=None, help="Listen address (default: 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Listen port (default: 8000).")
def serve(bus: str | None, kafka: str | None, db: str | None, host: str | None, port: int | None) -> None:
    """Run the gateway (embedded by default: in-process bus, SQLite file under var/)."""
    import uvicorn

    from gateway.app import create_app
    from gateway.settings import Settings

    given = {"bus": bus, "kafka": kafka, "db": db, "host": host, "port": port}
    overrides: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    settings = Settings(**overrides)  # the environment fills in what the command line leaves out
    if settings.db.startswith("sqlite:///"):
        Path(settings.db.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    click.echo(
        f"cebsim: serving on http://{settings.host}:{settings.port} (bus={settings.bus}, db={settings.db})"
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one verdict object per file.")
def validate(files: tuple[str, ...], as_json: bool) -> None:
    """Validate CEB messages offline against the project's schemas: one verdict per file."""
    from schemas.validate_cli import run

    sys.exit(run(list(files), as_json, sys.stdout))


def _register_subcommands() -> None:
    from gateway.enterprise_cli import enterprise

    main.add_command(enterprise)


_register_subcommands()

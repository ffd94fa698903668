"""`cebsim`: the one command-line entry point. Thin: it reads settings and calls into the packages."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from gateway.settings import Settings

T = TypeVar("T")
RETRY_S = 2.0  # between start-up attempts while a dependency cannot be reached
log = logging.getLogger("cebsim.serve")


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
@click.option(
    "--demo",
    is_flag=True,
    help="Seed demo enterprises (keys and certificates in var/demo/) and accept unsigned demo traffic.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    envvar="CEBSIM_WORKERS",
    show_default=True,
    help="Gateway processes sharing the port (distributed mode only: --bus kafka, PostgreSQL).",
)
def serve(
    bus: str | None,
    kafka: str | None,
    db: str | None,
    host: str | None,
    port: int | None,
    demo: bool,
    workers: int,
) -> None:
    """Run the gateway (embedded by default: in-process bus, SQLite file under var/)."""
    import uvicorn

    from declarations.store.engine import shown_url
    from gateway.app import create_app
    from gateway.heap import freeze_startup_heap
    from gateway.metrics import SHARED_DIR
    from gateway.runtime import build_runtime

    given = {"bus": bus, "kafka": kafka, "db": db, "host": host, "port": port}
    overrides: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    if demo:
        overrides.setdefault("require_signatures", False)
    settings = load_settings(overrides)  # the environment fills in what the command line leaves out
    log_level = configure_logging()
    if workers > 1:
        _check_workers(settings, demo)
    serving = (
        f"cebsim: serving on http://{settings.host}:{settings.port} (bus={settings.bus}, "
        f"db={shown_url(settings.db)}, "
        f"signatures {'required' if settings.require_signatures else 'optional'}"
        + (f", {workers} processes)" if workers > 1 else ")")
    )
    # one access line per request from `cebsim.access` (never a body or a key), text or JSON;
    # uvicorn's own access log would repeat it, and its other lines go through our handler too
    served: dict[str, Any] = {"host": settings.host, "port": settings.port, "access_log": False,
                              "log_config": None, "log_level": log_level.lower()}  # fmt: skip
    if workers > 1:
        _unless_unavailable(_prepare_shared, settings)
        click.echo(serving)  # once the database and the broker answered: a failed start never says it
        os.environ.update(_environment(settings))  # each process rebuilds the same settings from it
        with tempfile.TemporaryDirectory(prefix="cebsim-metrics-") as shared:
            os.environ[SHARED_DIR] = shared  # the processes count into files here (gateway.metrics)
            uvicorn.run("gateway.app:app_from_environment", factory=True, workers=workers, **served)
        return
    runtime = _unless_unavailable(build_runtime, settings)
    click.echo(serving)
    if demo:
        _print_demo(runtime)
    app = create_app(settings, runtime)
    freeze_startup_heap()
    uvicorn.run(app, **served)


def load_settings(overrides: dict[str, Any]) -> Settings:
    """Settings from the command line's `overrides` and the CEBSIM_ variables, or one error line
    naming each bad one (the option when it came from the command line, else the variable) and
    what it may be, with the database URL checked before anything is started."""
    from pydantic import ValidationError

    from gateway.database_url import check_database_url
    from gateway.settings import Settings

    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = [_problem(error, overrides) for error in exc.errors()]
        raise click.ClickException("; ".join(problems)) from exc
    check_database_url(settings.db, "--db" if "db" in overrides else "CEBSIM_DB")
    return settings


def _problem(error: ErrorDetails, overrides: dict[str, Any]) -> str:
    """One pydantic error as `CEBSIM_PORT: input should be a valid integer, ..., not 'abc'`."""
    name = str(error["loc"][0]) if error["loc"] else ""
    where = f"--{name.replace('_', '-')}" if name in overrides else f"CEBSIM_{name.upper()}"
    message = error["msg"]
    return f"{where}: {message[:1].lower()}{message[1:]}, not {error['input']!r}"


def configure_logging() -> str:
    """`logs.configure()`, its level; a bad CEBSIM_LOG_LEVEL or CEBSIM_LOG_FORMAT is one error line."""
    from gateway import logs

    try:
        return logs.configure()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _unless_unavailable(start: Callable[[Any], T], settings: Any) -> T:
    """`start(settings)`, tried every 2 s for `settings.startup_wait_s` while the broker or the
    database cannot be reached (each attempt logged), then a one-line error."""
    from declarations.errors import DependencyError

    deadline = time.monotonic() + settings.startup_wait_s
    while True:
        try:
            return start(settings)
        except DependencyError as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise click.ClickException(f"cannot start: {exc}") from exc
            log.warning("not reachable yet, trying again for another %.0f s: %s", left, exc)
            time.sleep(min(RETRY_S, left))


def _check_workers(settings: Any, demo: bool) -> None:
    """Several processes need a bus and a database that are shared between processes."""
    if settings.bus != "kafka" or settings.db.startswith("sqlite") or demo:
        raise click.UsageError(
            "--workers above 1 needs --bus kafka and a PostgreSQL --db (and no --demo): the embedded "
            "bus, its clearance stages and the SQLite writer live in one process"
        )


def _prepare_shared(settings: Any) -> None:
    """Migrate the database and create the topics once, before the processes race to do it."""
    from declarations.store.migrate import open_store
    from gateway.runtime import build_bus

    engine = open_store(settings.db)
    try:
        build_bus(settings, engine).close()
    finally:
        engine.dispose()


def _environment(settings: Any) -> dict[str, str]:
    values = settings.model_dump(exclude_none=True)
    return {
        f"CEBSIM_{name.upper()}": (str(value).lower() if isinstance(value, bool) else str(value))
        for name, value in values.items()
    }


def _print_demo(runtime: Any) -> None:
    from gateway.demo import seed

    out = Path("var/demo")
    rows = seed(runtime, out)
    click.echo("cebsim demo enterprises (fresh API keys; identities and parties.json in var/demo/):")
    for row in rows:
        click.echo(f"  {row['code']}  {row['roles']:<20} {row['api_key']}  {row['name']}")
    settings = runtime.settings
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104 - compared, not bound
    click.echo(
        f"  try: curl -s -X POST http://{host}:{settings.port}/ceb/messages "
        f"-H 'Content-Type: application/xml' -H 'Authorization: Bearer {rows[0]['api_key']}' "
        "--data-binary @var/demo/CEB311Message.xml"
    )


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one verdict object per file.")
def validate(files: tuple[str, ...], as_json: bool) -> None:
    """Validate CEB messages offline against the project's schemas: one verdict per file."""
    from schemas.validate_cli import run

    sys.exit(run(list(files), as_json, sys.stdout))


def _register_subcommands() -> None:
    from benchmarks.traffic.cli import generate, replay  # click only: the work is imported when run
    from gateway.enterprise_cli import enterprise

    main.add_command(enterprise)
    main.add_command(generate)
    main.add_command(replay)
    from gateway.worker_cli import worker

    main.add_command(worker)


_register_subcommands()


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), help="Private key, PEM (RSA or SM2).")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path), help="Its X.509 certificate, PEM.")
@click.option(
    "--algorithm",
    type=click.Choice(["rsa-sha1", "rsa-sha256", "sm2-sm3"]),
    default=None,
    help="Signature algorithm (default: rsa-sha256 for an RSA key, sm2-sm3 for an SM2 key).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
@click.option(
    "--new-identity",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instead of signing: write a new key.pem + self-signed cert.pem (mock E-port CA) into this folder.",
)
@click.option("--code", help="With --new-identity: the enterprise's customs code (cert serialNumber).")
@click.option("--name", help="With --new-identity: the enterprise's name (cert CN and O).")
@click.option("--days", type=int, default=365, show_default=True, help="With --new-identity: validity.")
@click.option(
    "--overwrite", is_flag=True, help="With --new-identity: replace a key.pem and cert.pem already there."
)
def sign(
    file: Path | None,
    key: Path | None,
    cert: Path | None,
    algorithm: str | None,
    out: Path | None,
    new_identity: Path | None,
    code: str | None,
    name: str | None,
    days: int,
    overwrite: bool,
) -> None:
    """Sign a CEB message as the China E-port expects (enveloped XML-DSig; nothing else changes).

    \b
    cebsim sign --key KEY.pem --cert CERT.pem [--algorithm A] [--out OUT] FILE
    cebsim sign --new-identity DIR --code CODE --name NAME [--algorithm A] [--days N]

    The second form gives an integrator a key and certificate to try signed traffic without an
    E-port card: register the printed fingerprint for the enterprise, then sign with the first form.
    """
    from datetime import UTC, datetime

    from gateway.signature.command import SignRequest, run_sign

    if new_identity is not None and not overwrite:
        _refuse_to_replace(new_identity)
    request = SignRequest(file, key, cert, algorithm, out, new_identity, code, name, days)
    sys.exit(run_sign(request, datetime.now(UTC), sys.stdout.buffer, sys.stderr))


def _refuse_to_replace(directory: Path) -> None:
    """Exit 1 if `--new-identity DIR` would overwrite a key (whose certificate may be registered)."""
    existing = [str(path) for path in (directory / "key.pem", directory / "cert.pem") if path.exists()]
    if existing:
        sys.stderr.write(
            f"cebsim sign: {' and '.join(existing)} already there; give --overwrite to replace them, "
            "or another folder\n"
        )
        sys.exit(1)

"""`cebsim worker STAGE`: one clearance stage (or all of them) as a process of its own.

    cebsim worker matching --kafka 127.0.0.1:9092 --db postgresql+psycopg://cebsim@127.0.0.1/cebsim

Workers of one stage form a Kafka consumer group: start more of them to share the partitions.
SIGTERM or Ctrl-C stops a worker after its current batch; SIGKILL loses nothing either (the
shell commits offsets only after the batch's effects are stored).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from declarations.stages.pipeline import STAGES

if TYPE_CHECKING:
    from gateway.settings import Settings

T = TypeVar("T")


@click.command()
@click.argument("stage", type=click.Choice([*STAGES, "all"]))
@click.option(
    "--kafka", default=None, help="Kafka bootstrap servers (default: $CEBSIM_KAFKA or 127.0.0.1:9092)."
)
@click.option("--db", default=None, help="SQLAlchemy URL of the shared database (default: $CEBSIM_DB).")
@click.option("--partitions", type=int, default=None, help="Partitions of the topics this worker creates.")
def worker(stage: str, kafka: str | None, db: str | None, partitions: int | None) -> None:
    """Run a clearance stage (matching, review, recorder, or all) against Kafka and the database."""
    from declarations.clock import SystemClock
    from declarations.stages.pipeline import Pipeline, PipelinePolicy, build_stage
    from declarations.store.engine import shown_url
    from gateway.cli import configure_logging, load_settings
    from gateway.heap import freeze_startup_heap

    given: dict[str, Any] = {"kafka": kafka, "db": db, "partitions": partitions}
    settings = load_settings(
        {"bus": "kafka"} | {key: value for key, value in given.items() if value is not None}
    )
    configure_logging()
    stopped = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stopped.set())
    engine = _open(settings.db, stopped)
    if engine is None:
        return
    bus = _connect(settings, f"cebsim-worker-{stage}", stopped)
    if bus is None:
        return
    names = STAGES if stage == "all" else (stage,)
    clock = SystemClock()
    pipeline = Pipeline(
        [
            build_stage(name, engine, bus, clock, PipelinePolicy(), partitions=settings.partitions)
            for name in names
        ]
    )
    pipeline.start()
    freeze_startup_heap()
    click.echo(
        f"cebsim worker {stage}: running against {settings.kafka} and {shown_url(settings.db)}", err=True
    )
    stopped.wait()
    pipeline.stop()
    bus.close()
    engine.dispose()


def _open(db: str, stopped: threading.Event) -> Any:
    """The migrated database, retried until it answers (a worker may start before PostgreSQL)."""
    from declarations.store.migrate import open_store

    return _until_reachable("database", lambda: open_store(db), stopped)


def _connect(settings: Settings, client_id: str, stopped: threading.Event) -> Any:
    """A KafkaBus, retried until the broker answers (a worker may start before Kafka, or during a restart)."""
    from declarations.bus.kafka import KafkaBus

    def connect() -> KafkaBus:
        return KafkaBus(
            settings.kafka,
            client_id=client_id,
            gather_ms=settings.kafka_gather_ms,
            ack_timeout_s=settings.kafka_ack_timeout_s,
        )

    return _until_reachable("Kafka", connect, stopped)


def _until_reachable(what: str, make: Callable[[], T], stopped: threading.Event) -> T | None:
    """`make()`, tried every 2 s while it raises DependencyError; None once `stopped` is set."""
    from declarations.errors import DependencyError

    while not stopped.is_set():
        try:
            return make()
        except DependencyError as exc:
            logging.getLogger("cebsim.worker").warning("%s not reachable yet, retrying: %s", what, exc)
            stopped.wait(2.0)
    return None

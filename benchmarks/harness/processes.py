"""The simulator as subprocesses for the benchmarks: `cebsim serve` and `cebsim worker STAGE`.

The clearance stages run as the distributed mode deploys them, one `cebsim worker STAGE` process
per stage (`stage_workers`), or as one `cebsim worker all` (every stage a thread of one process,
sharing one GIL). On this 2-core machine the pipeline alone cleared 1,352 messages/s as three
processes against 810/s as one `worker all` (2026-11-28 19:05, 10,000 parcels, one run each);
end to end, where the gateway is the limit, 314 against 312 (19:00): the e2e and peak benchmarks
keep one `worker all`.

Every process is started on 127.0.0.1 (free port), stopped by its PID in a `finally` (terminate,
then kill after a bounded wait), and logs to a file in the run's temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import sqlalchemy as sa

from declarations.stages.pipeline import CONSUMER_GROUPS, STAGES

CEBSIM = str(Path(sys.executable).with_name("cebsim"))
QUICK = os.environ.get("BENCH", "full") == "quick"
PARTITIONS = 6  # as `cebsim serve` creates them (CEBSIM_PARTITIONS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cebsim(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    done = subprocess.run(
        [CEBSIM, *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"cebsim {' '.join(args[:2])} failed: {done.stderr[-2000:]}")
    return done.stdout


def stop(proc: subprocess.Popen[bytes], *, group: bool = False) -> None:
    """Stop one process we started: SIGTERM, then SIGKILL after 20 s. `group`: the process was
    started in a session of its own (`start_new_session`), and its whole process group is
    signalled, children included (`cebsim serve --workers N`), even if it has exited itself."""

    def send(number: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(proc.pid, number)
            elif proc.poll() is None:
                proc.send_signal(number)

    send(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait(timeout=10)
    if group:
        send(signal.SIGKILL)  # whatever of the group outlived its leader


def wait_ready(target: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    """Until `target`/healthz answers 200; RuntimeError with the log's tail if the process exits first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"cebsim serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{target}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"cebsim serve did not become healthy in {timeout_s:.0f} s")


@dataclass(frozen=True)
class Services:
    kafka: str
    admin_db: str

    @classmethod
    def from_env(cls) -> Services | None:
        kafka, db = os.environ.get("CEBSIM_TEST_KAFKA"), os.environ.get("CEBSIM_TEST_DATABASE_URL")
        return cls(kafka, db) if kafka and db else None

    def fresh_database(self) -> str:
        """A new, empty PostgreSQL database on the benchmark cluster."""
        name = f"cebsim_bench_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(self.admin_db, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()
        return self.admin_db.rsplit("/", 1)[0] + f"/{name}"

    def skip_backlog(self) -> None:
        """Commit every stage's consumer group at the end of its topic.

        The topics' names are fixed and the broker is shared by the benchmarks of one run: without
        this, the workers of a fresh database would first chew through the records that an earlier
        benchmark (the intake one, without workers) left behind.
        """
        from kafka import KafkaConsumer, TopicPartition  # noqa: PLC0415
        from kafka.admin import KafkaAdminClient, NewTopic  # noqa: PLC0415
        from kafka.errors import TopicAlreadyExistsError  # noqa: PLC0415
        from kafka.structs import OffsetAndMetadata  # noqa: PLC0415

        # Create the stage topics first: a worker that joins its group before its topic exists is
        # assigned no partitions and, in this version, never consumes (seen on a fresh broker).
        admin = KafkaAdminClient(bootstrap_servers=self.kafka)
        try:
            existing = set(admin.list_topics())
            wanted = {topic for topics in CONSUMER_GROUPS.values() for topic in topics}
            missing = [NewTopic(t, PARTITIONS, 1) for t in sorted(wanted - existing)]
            if missing:
                admin.create_topics(missing)
        except TopicAlreadyExistsError:
            pass
        finally:
            admin.close()
        for group, topics in CONSUMER_GROUPS.items():
            consumer = KafkaConsumer(bootstrap_servers=self.kafka, group_id=group, enable_auto_commit=False)
            try:
                assigned = [
                    TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()
                ]
                if not assigned:
                    continue
                ends = consumer.end_offsets(assigned)
                consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
            finally:
                consumer.close()


def simulator_env(db: str, *, pipeline: bool) -> dict[str, str]:
    """The environment of the simulator's processes: unsigned traffic allowed, warnings only."""
    return os.environ | {"CEBSIM_PIPELINE": str(pipeline).lower(), "CEBSIM_REQUIRE_SIGNATURES": "false",
                         "CEBSIM_DB": db, "CEBSIM_LOG_LEVEL": "WARNING"}  # fmt: skip


def prepare_database(db: str, parties: Path | None, env: dict[str, str]) -> None:
    """Create the schema (before any process starts) and register the traffic's parties."""
    cebsim("enterprise", "list", "--db", db, env=env)
    if parties is not None:
        cebsim("enterprise", "import", str(parties), "--db", db, env=env)


def start_worker(
    kafka: str, db: str, env: dict[str, str], log: IO[bytes], stage: str = "all"
) -> subprocess.Popen[bytes]:
    """One `cebsim worker STAGE` on Kafka and the database (`all`: every stage in this one process)."""
    command = [CEBSIM, "worker", stage, "--kafka", kafka, "--db", db]
    return subprocess.Popen(command, env=env, stdout=log, stderr=log)


def start_stage_workers(
    kafka: str, db: str, env: dict[str, str], log: IO[bytes]
) -> list[subprocess.Popen[bytes]]:
    """One `cebsim worker STAGE` process per clearance stage."""
    return [start_worker(kafka, db, env, log, stage) for stage in STAGES]


@contextmanager
def stage_workers(workdir: Path, *, kafka: str, db: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    """One process per clearance stage, logging to the run's directory, stopped in a `finally`."""
    with (workdir / f"workers-{uuid.uuid4().hex[:6]}.log").open("wb") as log:
        procs: list[subprocess.Popen[bytes]] = []
        try:
            procs = start_stage_workers(kafka, db, simulator_env(db, pipeline=False), log)
            yield procs
        finally:
            for proc in procs:
                stop(proc)


@dataclass
class Simulator:
    target: str
    db: str
    gateway: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]


@contextmanager
def simulator(
    workdir: Path,
    *,
    db: str,
    kafka: str | None = None,
    pipeline: bool,
    workers: int = 0,
    parties: Path | None = None,
    gateway_processes: int = 1,
    stage_processes: bool = False,
) -> Iterator[Simulator]:
    """`cebsim serve` (embedded, or on Kafka with `workers` × `cebsim worker all`), unsigned traffic.

    `gateway_processes` > 1 runs `cebsim serve --workers N` (Kafka and PostgreSQL only);
    `stage_processes` makes each of the `workers` one process per stage instead of a `worker all`.
    """
    port = free_port()
    env = simulator_env(db, pipeline=pipeline)
    prepare_database(db, parties, env)
    bus = ["--bus", "kafka", "--kafka", kafka] if kafka else ["--bus", "memory"]
    log_path = workdir / f"serve-{port}.log"
    started: list[subprocess.Popen[bytes]] = []
    with log_path.open("wb") as log:
        try:
            gateway = subprocess.Popen(
                [CEBSIM, "serve", *bus, "--db", db, "--port", str(port), "--workers", str(gateway_processes)],
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # stopped as a group: with --workers it has children
            )
            started.append(gateway)
            target = f"http://127.0.0.1:{port}"
            wait_ready(target, gateway, log_path)
            for _ in range(workers):
                assert kafka is not None
                if stage_processes:
                    started.extend(start_stage_workers(kafka, db, env, log))
                else:
                    started.append(start_worker(kafka, db, env, log))
            yield Simulator(target, db, gateway, started[1:])
        finally:
            for proc in reversed(started):
                stop(proc, group=proc is started[0])


@contextmanager
def ceiling(workdir: Path, kind: str) -> Iterator[str]:
    """One uvicorn process serving `benchmarks.harness.ceiling_app` (`kind`: asgi, fastapi or
    validate) as `cebsim serve` serves the gateway; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "benchmarks.harness.ceiling_app:app_from_environment",
               "--factory", "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop",
               "--http", "httptools", "--no-access-log", "--log-level", "warning"]  # fmt: skip
    log_path = workdir / f"ceiling-{kind}-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, env=os.environ | {"CEBSIM_CEILING": kind}, stdout=log, stderr=log)
        try:
            target = f"http://127.0.0.1:{port}"
            wait_ready(target, proc, log_path)
            yield target
        finally:
            stop(proc)

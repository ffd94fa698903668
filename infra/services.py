"""Start and stop the real services the integration tests need: Apache Kafka (KRaft) and PostgreSQL.

No Docker here: the broker is a JVM process run from the Maven Central jars (fetched once into
`~/.cache/cebsim/kafka-<version>/lib` by `infra/kafka/fetch.sh`), PostgreSQL comes from Debian's
packages (installed with apt-get when missing) and runs as a throwaway cluster on loopback.

    python infra/services.py start --state var/services   # prints the env lines and writes services.env
    python infra/services.py stop  --state var/services   # stops what start started, removes the data

`make test` runs `start` before pytest and `stop` afterwards (also when tests fail). The pytest
fixtures in tests/integration/conftest.py call the same functions when the tests run alone.
Standard library only, so it runs before the virtualenv exists.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
KAFKA_VERSION = os.environ.get("CEBSIM_KAFKA_VERSION", "4.3.1")
KAFKA_LIB = Path.home() / ".cache" / "cebsim" / f"kafka-{KAFKA_VERSION}" / "lib"
READY_TIMEOUT_S = 120
RUNNING: dict[int, subprocess.Popen[bytes]] = {}  # brokers this process started, reaped when stopped


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; see {log}:\n{tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{what} did not open port {port} within {READY_TIMEOUT_S}s; see {log}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- Kafka -------------------------------------------------------------------------------------


def fetch_kafka() -> None:
    if any(KAFKA_LIB.glob(f"*kafka_2.13-{KAFKA_VERSION}.jar")):
        return
    subprocess.run(["bash", str(HERE / "kafka" / "fetch.sh")], check=True)


def kafka_cluster_id() -> str:
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not candidate.startswith("-"):
            return candidate


def kafka_properties(data: Path, port: int, controller_port: int) -> str:
    template = (HERE / "kafka" / "server.properties").read_text()
    return (
        template.replace("@DATA@", str(data))
        .replace("@PORT@", str(port))
        .replace("@CONTROLLER_PORT@", str(controller_port))
    )


def start_kafka(state: Path) -> dict[str, str]:
    fetch_kafka()
    home = state / "kafka"
    (home / "log").mkdir(parents=True, exist_ok=True)
    port, controller_port = free_port(), free_port()
    config = home / "server.properties"
    config.write_text(kafka_properties(home / "data", port, controller_port))
    subprocess.run(
        [
            "java",
            "-Xmx256m",
            "-cp",
            f"{KAFKA_LIB}/*",
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "-t",
            kafka_cluster_id(),
            "-c",
            str(config),
            "-g",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (home / "port").write_text(str(port))
    launch_kafka(state)
    return {"CEBSIM_TEST_KAFKA": f"127.0.0.1:{port}"}


def launch_kafka(state: Path) -> None:
    """Start the broker process on an already formatted data directory and wait until it serves."""
    home = state / "kafka"
    log = home / "log" / "stdout.log"
    jvm_opts = os.environ.get("CEBSIM_KAFKA_JVM_OPTS", "-Xms256m -Xmx768m -XX:+UseSerialGC").split()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                "java",
                *jvm_opts,
                "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={HERE / 'kafka' / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={home / 'log'}",
                "-cp",
                f"{KAFKA_LIB}/*",
                "kafka.Kafka",
                str(home / "server.properties"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (home / "pid").write_text(str(proc.pid))
    RUNNING[proc.pid] = proc
    wait_for_port(int((home / "port").read_text()), proc, "kafka", log)


def halt_kafka(state: Path) -> None:
    """Stop the broker process and keep its data, so `launch_kafka` can start it again."""
    stop_pid_file(state / "kafka" / "pid", grace_s=30)
    (state / "kafka" / "pid").unlink(missing_ok=True)


def stop_kafka(state: Path) -> None:
    home = state / "kafka"
    stop_pid_file(home / "pid", grace_s=30)
    shutil.rmtree(home, ignore_errors=True)


# --- PostgreSQL ---------------------------------------------------------------------------------


def postgres_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not candidates:
        install_postgres()
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not candidates:
        raise RuntimeError("PostgreSQL is not installed and apt-get could not install it")
    return candidates[-1].parent


def install_postgres() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env, stdout=subprocess.DEVNULL
    )


def as_postgres_user(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: drop to the `postgres` account when we are root."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def start_postgres(state: Path) -> dict[str, str]:
    bindir = postgres_bin()
    # Outside the work tree: the postgres account must be able to reach it.
    home = Path(tempfile.mkdtemp(prefix="cebsim-pg-"))
    (state / "postgres.home").write_text(str(home))
    data, log = home / "data", home / "postgres.log"
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    subprocess.run(
        as_postgres_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {home} -c fsync=off -c max_connections=200"
    subprocess.run(
        as_postgres_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        as_postgres_user(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "cebsim"]
        ),
        check=True,
    )
    return {"CEBSIM_TEST_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/cebsim"}


def stop_postgres(state: Path) -> None:
    marker = state / "postgres.home"
    if not marker.exists():
        return
    home = Path(marker.read_text().strip())
    if (home / "data" / "postmaster.pid").exists():
        subprocess.run(
            as_postgres_user(
                [str(postgres_bin() / "pg_ctl"), "-D", str(home / "data"), "-m", "immediate", "-w", "stop"]
            ),
            check=False,
            stdout=subprocess.DEVNULL,
        )
    shutil.rmtree(home, ignore_errors=True)
    marker.unlink()


# --- both ---------------------------------------------------------------------------------------


def stop_pid_file(pid_file: Path, grace_s: float) -> None:
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if _reaped(pid):
            return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.3)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    proc = RUNNING.pop(pid, None)
    if proc is not None:
        proc.wait(timeout=10)


def _reaped(pid: int) -> bool:
    """True when `pid` has exited; our own children are reaped (a zombie still answers kill(pid, 0))."""
    proc = RUNNING.get(pid)
    if proc is not None:
        if proc.poll() is None:
            return False
        del RUNNING[pid]
        return True
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return False


def start(state: Path) -> dict[str, str]:
    state.mkdir(parents=True, exist_ok=True)
    env: dict[str, str] = {}
    try:
        env.update(start_postgres(state))
        env.update(start_kafka(state))
    except BaseException:
        stop(state)
        raise
    (state / "services.json").write_text(json.dumps(env))
    (state / "services.env").write_text("".join(f"export {k}={v}\n" for k, v in env.items()))
    return env


def stop(state: Path) -> None:
    stop_kafka(state)
    stop_postgres(state)
    (state / "services.json").unlink(missing_ok=True)
    (state / "services.env").unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["start", "stop", "fetch"])
    parser.add_argument("--state", type=Path, default=Path("var/services"))
    args = parser.parse_args()
    if args.action == "fetch":
        fetch_kafka()
    elif args.action == "start":
        for key, value in start(args.state.resolve()).items():
            print(f"{key}={value}")
    else:
        stop(args.state.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())

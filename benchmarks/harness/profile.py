"""py-spy on a subprocess: record raw stacks, then summarise them as text (self and inclusive time)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")
# leaf frames of a thread that waits (a lock, a queue, a socket; psycopg's Connection.wait is
# a thread waiting for PostgreSQL's answer), counted apart from the busy samples
WAITING = ("Condition.wait", "Queue.get", "EpollSelector.select", "Event.wait", "sleep", "Connection.wait")


def available() -> bool:
    return PY_SPY.exists() or shutil.which("py-spy") is not None


def start(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    spy = str(PY_SPY if PY_SPY.exists() else "py-spy")
    command = [spy, "record", "-p", str(pid), "-d", str(int(seconds)),
               "-r", "100", "--nonblocking", "-f", "raw", "-o", str(out)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _frame(raw: str) -> str:
    name, _, where = raw.partition(" (")
    return f"{name} ({where.rsplit('/', 1)[-1]}" if where else name


def summarise(raw: Path, top: int = 40) -> str:
    """Self and inclusive shares of the busy samples (stacks not parked in a wait)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    busy = waiting = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_frame(f) for f in stack.split(";") if f]
        if not frames or not count.isdigit():
            continue
        samples = int(count)
        if any(frames[-1].startswith(w) for w in WAITING):
            waiting += samples
            continue
        busy += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    lines = [f"busy samples {busy}, waiting samples {waiting} (all threads, 100 Hz)", "", "-- self --"]
    lines += [f"{100 * n / max(busy, 1):5.1f}%  {f}" for f, n in own.most_common(top)]
    lines += ["", "-- inclusive --"]
    lines += [f"{100 * n / max(busy, 1):5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    return "\n".join(lines) + "\n"

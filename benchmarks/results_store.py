"""Where benchmark figures go: one JSON file per benchmark, and `latest.json` with the headline numbers.

`latest.json` maps a name (`validate.project_vs_official_ratio`) to `{"value", "unit",
"measured_at"}`. Several benchmarks write it, so `record` reads, updates one name and writes it
back atomically under a lock, keeping everyone else's names.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LATEST = RESULTS_DIR / "latest.json"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_atomically(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp"
    ) as tmp:
        json.dump(payload, tmp, indent=2, ensure_ascii=False, sort_keys=True)
        tmp.write("\n")
    Path(tmp.name).replace(path)


def record(name: str, value: float, unit: str, latest: Path = LATEST) -> None:
    """Set one headline figure in `latest.json`, keeping the other names."""
    latest.parent.mkdir(parents=True, exist_ok=True)
    with (Path(tempfile.gettempdir()) / "cebsim-benchmarks-latest.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = json.loads(latest.read_text(encoding="utf-8")) if latest.exists() else {}
        current[name] = {"value": value, "unit": unit, "measured_at": _now()}
        _write_atomically(latest, current)


def save(file: str | Path, payload: dict[str, Any]) -> Path:
    """Write one benchmark's figures (with the machine and time) to `results/<file>`."""
    path = Path(file) if Path(file).is_absolute() else RESULTS_DIR / file
    _write_atomically(path, {**payload, "machine": machine(), "measured_at": _now()})
    return path

"""`cebsim validate FILE... [--json]`: the logic behind the command (the click wiring lives in gateway).

Every named file gets a verdict, whatever it holds: a missing file, a directory, a device, an
empty, truncated, huge or hostile document is reported as invalid, never raised. Only the named
files are opened, each at most once and never beyond the size limit plus one byte; nothing else on
disk or the network is touched (the parser refuses DTDs and entities, so nothing is fetched).
The exit status is 0 only when every file is valid.
"""

from __future__ import annotations

import json
import os
import stat
from typing import TextIO

from schemas.loader import Verdict, Violation, default_registry
from schemas.safe_xml import DEFAULT_LIMITS


def read_verdict(name: str, max_bytes: int = DEFAULT_LIMITS.max_bytes) -> Verdict:
    """The verdict on one named file, including the reasons it could not be read."""
    try:
        data = _read_regular_file(name, max_bytes)
    except FileNotFoundError:
        return _refused("no such file")
    except IsADirectoryError:
        return _refused("is a directory, not a file")
    except OSError as exc:
        return _refused(f"cannot read the file: {exc.strerror or exc}")
    if isinstance(data, str):
        return _refused(data)
    return default_registry().validate(data)


def _read_regular_file(name: str, max_bytes: int) -> bytes | str:
    """The bytes of a regular file, or why it was not read (non-blocking open: a FIFO cannot hang us)."""
    descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            return "is a directory, not a file"
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_size > max_bytes:
            return f"file of {info.st_size} bytes exceeds the limit of {max_bytes}"
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        return f"file exceeds the limit of {max_bytes} bytes"
    return data


def _refused(message: str) -> Verdict:
    return Verdict(None, False, (Violation(0, "", message),))


def as_record(name: str, verdict: Verdict) -> dict[str, object]:
    """The JSON object of one file: file, message_type, valid, violations."""
    return {
        "file": name,
        "message_type": verdict.message_type,
        "valid": verdict.valid,
        "violations": [
            {"line": item.line, "path": item.path, "message": item.message} for item in verdict.violations
        ],
    }


def as_text(name: str, verdict: Verdict) -> str:
    """A readable report of one file: a status line, then one line per violation."""
    kind = verdict.message_type or "unknown type"
    if verdict.valid:
        return f"{name}: valid ({kind})"
    count = len(verdict.violations)
    lines = [f"{name}: INVALID ({kind}), {count} violation{'s' if count != 1 else ''}"]
    for item in verdict.violations:
        where = " ".join(part for part in (f"line {item.line}" if item.line else "", item.path) if part)
        lines.append(f"  {where + ': ' if where else ''}{item.message}")
    return "\n".join(lines)


def run(files: list[str], as_json: bool, out: TextIO) -> int:
    """Validate every file, report on `out`, and return the exit status.

    0 when every file is valid, 1 when any is not, 2 when no file was named.
    """
    if not files:
        out.write("no file to validate\n")
        return 2
    verdicts = [(name, read_verdict(name)) for name in files]
    if as_json:
        records = [as_record(name, verdict) for name, verdict in verdicts]
        out.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    else:
        for name, verdict in verdicts:
            out.write(as_text(name, verdict) + "\n")
    return 0 if all(verdict.valid for _, verdict in verdicts) else 1

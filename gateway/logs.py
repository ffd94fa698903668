"""Logging for `cebsim serve` and `cebsim worker`: text for people, or one JSON object per line.

    CEBSIM_LOG_LEVEL   DEBUG | INFO (default) | WARNING | ERROR
    CEBSIM_LOG_FORMAT  text (default) | json

A JSON line carries `ts` (UTC, ISO 8601), `level`, `logger`, `message`, the exception if any,
and the fields a call passed with `extra=` (the access log: `method`, `route`, `status`, `ms`).
Nothing in the project logs a message body or an API key; the access log names the route
template (`/api/documents/{message_type}/{key}`), not the path a client sent. An exception is
logged as its traceback's frames and each exception's type (`declarations.errors.loggable`), not
its message, which can quote a value from a document (a KeyError names the missing key); at
CEBSIM_LOG_LEVEL=DEBUG the messages are kept, for a developer chasing a bug on test data.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from declarations.errors import loggable

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

# the attributes every LogRecord has; anything else on a record came from `extra=`
# (uvicorn adds `color_message`, the message with terminal colour codes: not for a JSON line)
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def frames_only(exc_info: ExcInfo) -> str:
    """A traceback with each exception's type (and a refused request's rule) but not its message."""
    chain: list[BaseException] = []
    exc = exc_info[1]
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    blocks = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        + loggable(exc)
        for exc in reversed(chain)
    ]
    return "\n\nthen:\n".join(blocks)


class TextFormatter(logging.Formatter):
    def __init__(self, *, messages: bool = False) -> None:
        super().__init__(TEXT_FORMAT)
        self._messages = messages

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return super().formatException(ei) if self._messages else frames_only(ei)


class JsonFormatter(TextFormatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= {key: value for key, value in record.__dict__.items() if key not in _STANDARD}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def configure() -> str:
    """Configure the root logger once, from CEBSIM_LOG_LEVEL and CEBSIM_LOG_FORMAT; the level.

    ValueError naming the variable when either is not one of its values (the commands print it)."""
    level = os.environ.get("CEBSIM_LOG_LEVEL", "INFO").upper()
    shape = os.environ.get("CEBSIM_LOG_FORMAT", "text").lower()
    if level not in LEVELS:
        raise ValueError(f"CEBSIM_LOG_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}")
    if shape not in {"text", "json"}:
        raise ValueError(f"CEBSIM_LOG_FORMAT must be text or json, not {shape!r}")
    handler = logging.StreamHandler()
    messages = level == "DEBUG"  # exception messages only where nobody runs real traffic
    handler.setFormatter(
        JsonFormatter(messages=messages) if shape == "json" else TextFormatter(messages=messages)
    )
    logging.basicConfig(level=level, handlers=[handler])
    return level

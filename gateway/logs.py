"""Logging for `cebsim serve` and `cebsim worker`: text for people, or one JSON object per line.

    CEBSIM_LOG_LEVEL   DEBUG | INFO (default) | WARNING | ERROR
    CEBSIM_LOG_FORMAT  text (default) | json

A JSON line carries `ts` (UTC, ISO 8601), `level`, `logger`, `message`, the exception text if
any, and the fields a call passed with `extra=` (the access log: `method`, `route`, `status`,
`ms`). Nothing in the project logs a message body or an API key; the access log names the route
template (`/api/documents/{message_type}/{key}`), not the path a client sent.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

# the attributes every LogRecord has; anything else on a record came from `extra=`
# (uvicorn adds `color_message`, the message with terminal colour codes: not for a JSON line)
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
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


def configure() -> str:
    """Configure the root logger once, from CEBSIM_LOG_LEVEL and CEBSIM_LOG_FORMAT; the level."""
    level = os.environ.get("CEBSIM_LOG_LEVEL", "INFO").upper()
    shape = os.environ.get("CEBSIM_LOG_FORMAT", "text").lower()
    if shape not in {"text", "json"}:
        raise ValueError(f"CEBSIM_LOG_FORMAT must be text or json, not {shape!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if shape == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    return level

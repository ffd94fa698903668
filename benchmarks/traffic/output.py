"""Where generated traffic goes: a directory of XML files or one JSON-lines file, plus the manifest.

DIR/messages/0000001-CEB311-3301930W92.xml   one file per message; the name's order is the send order
DIR/traffic.jsonl                            or one line per message:
    {"seq": 1, "sender": "3301930W92", "message_type": "CEB311", "parcel": ["P0000000"], "xml": "<?xml…"}
DIR/manifest.jsonl                           one line per parcel (see `manifest_line`)
DIR/parties.json, DIR/identities/            the senders (`parties`)
DIR/generate.json                            what was asked and how long it took

`clear_earlier(DIR)` removes these (and nothing else), for `cebsim generate --overwrite`.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as encode_string
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

MESSAGES_DIR = "messages"
TRAFFIC_FILE = "traffic.jsonl"
MANIFEST_FILE = "manifest.jsonl"
BUFFER = 1 << 20
# what one `generate` writes into its directory, as file names and patterns
OWNED_FILES = (TRAFFIC_FILE, MANIFEST_FILE, "parties.json", "generate.json")
OWNED_PATTERNS = (f"{MESSAGES_DIR}/*.xml", "identities/*.pem")


class Sink(Protocol):
    def write(self, seq: int, message_type: str, sender: str, parcels: list[str], text: str) -> None: ...

    def close(self) -> None: ...


class XmlDirectory:
    def __init__(self, out: Path) -> None:
        self._dir = out / MESSAGES_DIR
        self._dir.mkdir(parents=True, exist_ok=True)

    def write(self, seq: int, message_type: str, sender: str, parcels: list[str], text: str) -> None:
        (self._dir / f"{seq:07d}-{message_type}-{sender}.xml").write_bytes(text.encode("utf-8"))

    def close(self) -> None:
        return None


class JsonLines:
    def __init__(self, out: Path) -> None:
        self._file = (out / TRAFFIC_FILE).open("w", encoding="utf-8", buffering=BUFFER)

    def write(self, seq: int, message_type: str, sender: str, parcels: list[str], text: str) -> None:
        ids = '", "'.join(parcels)  # generated ids and codes: letters and digits only, nothing to escape
        head = f'{{"seq": {seq}, "sender": "{sender}", "message_type": "{message_type}", "parcel": ["{ids}"]'
        self._file.write(f'{head}, "xml": {encode_string(text)}}}\n')

    def close(self) -> None:
        self._file.close()


class Manifest:
    """`manifest.jsonl`, one JSON object per parcel, written in parcel order."""

    def __init__(self, out: Path) -> None:
        self._file = (out / MANIFEST_FILE).open("w", encoding="utf-8", buffering=BUFFER)

    def write(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")

    def __enter__(self) -> Manifest:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._file.close()


def sink_for(out: Path, form: str) -> Sink:
    return JsonLines(out) if form == "jsonl" else XmlDirectory(out)


def clear_earlier(out: Path) -> None:
    """Remove the files an earlier generate wrote into `out`, so that none of its traffic is mixed
    with the next one's (an XML directory of fewer messages would keep the old ones after it)."""
    for name in OWNED_FILES:
        (out / name).unlink(missing_ok=True)
    for pattern in OWNED_PATTERNS:
        for path in out.glob(pattern):
            path.unlink()

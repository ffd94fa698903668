"""What a replay sends: the messages of a directory, in order, with their senders' API keys.

A directory from `cebsim generate` holds `traffic.jsonl` or `messages/*.xml`, `manifest.jsonl` and
`parties.json`. Any other directory of `*.xml` files is recorded traffic, sent as it is in file-name
order; its senders are read from BaseTransfer/copCode and their keys from a parties.json (`--parties`).
Without a manifest there are no expected outcomes: each list document (CEB621/CEB603) is followed
on its own, from the POST that carried it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.traffic.output import MANIFEST_FILE, MESSAGES_DIR, TRAFFIC_FILE
from benchmarks.traffic.parties import read_parties

COP_CODE = re.compile(rb"<(?:\w+:)?copCode>\s*([^<\s]+)\s*</")
ROOT = re.compile(rb"<(?:\w+:)?(CEB\d{3})Message\b")
LIST_GUID = re.compile(rb"<(?:\w+:)?InventoryHead>\s*<(?:\w+:)?guid>\s*([^<\s]+)\s*</")
LIST_TYPES = {"CEB621": "CEB622", "CEB603": "CEB604"}


@dataclass(frozen=True, slots=True)
class Outgoing:
    seq: int
    sender: str
    message_type: str
    parcels: tuple[str, ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class Expectation:
    parcel: str
    list_guid: str
    last_seq: int
    receipt_type: str
    status: str | None  # None: recorded traffic, nothing expected
    codes: tuple[str, ...] = ()
    scenario: str = ""


@dataclass
class Traffic:
    messages: list[Outgoing]
    keys: dict[str, str]  # enterprise code → API key
    parcels: dict[str, Expectation] = field(default_factory=dict)
    checked: bool = False  # True when a manifest gives expected outcomes


def split(traffic: Traffic, parcels: int) -> tuple[Traffic, Traffic]:
    """The first `parcels` parcels (in order of their first message) and the rest, as two traffics.

    For a warm-up before a measured run on the same simulator: both halves have the same senders
    and keys. ValueError if a message carries documents of parcels from both halves.
    """
    order = list(dict.fromkeys(parcel for message in traffic.messages for parcel in message.parcels))
    first = set(order[:parcels])
    head = [m for m in traffic.messages if first.issuperset(m.parcels)]
    tail = [m for m in traffic.messages if not first.issuperset(m.parcels)]
    if any(first.intersection(m.parcels) for m in tail):
        raise ValueError(f"a message carries documents of the first {parcels} parcels and of later ones")

    def expected(keep: bool) -> dict[str, Expectation]:
        return {parcel: e for parcel, e in traffic.parcels.items() if (parcel in first) == keep}

    return (
        Traffic(head, traffic.keys, expected(True), traffic.checked),
        Traffic(tail, traffic.keys, expected(False), traffic.checked),
    )


def load(directory: Path, parties: Path | None = None) -> Traffic:
    """The traffic in `directory`; ValueError when it holds none or a sender has no key."""
    keys = {row["code"]: row["api_key"] for row in read_parties(parties or directory / "parties.json")}
    if (directory / TRAFFIC_FILE).is_file():
        messages = _jsonl(directory / TRAFFIC_FILE)
    else:
        folder = directory / MESSAGES_DIR if (directory / MESSAGES_DIR).is_dir() else directory
        messages = [_xml_file(seq, path) for seq, path in enumerate(sorted(folder.glob("*.xml")), start=1)]
    if not messages:
        raise ValueError(f"{directory} holds no traffic (traffic.jsonl, messages/*.xml or *.xml)")
    missing = sorted({m.sender for m in messages} - set(keys))
    if missing:
        raise ValueError(f"no API key in parties.json for sender(s) {', '.join(missing[:5])}")
    manifest = directory / MANIFEST_FILE
    if manifest.is_file():
        return Traffic(messages, keys, _manifest(manifest), checked=True)
    return Traffic(messages, keys, _recorded_lists(messages))


def _jsonl(path: Path) -> list[Outgoing]:
    out: list[Outgoing] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            parcels = tuple(row["parcel"]) if isinstance(row["parcel"], list) else (row["parcel"],)
            body = row["xml"].encode("utf-8")
            out.append(Outgoing(int(row["seq"]), row["sender"], row["message_type"], parcels, body))
    return out


def _xml_file(seq: int, path: Path) -> Outgoing:
    body = path.read_bytes()
    sender, root = COP_CODE.search(body), ROOT.search(body[:400])
    if sender is None or root is None:
        raise ValueError(f"{path} is not a CEB message with a BaseTransfer/copCode")
    code = root.group(1).decode()
    lists = tuple(g.decode() for g in LIST_GUID.findall(body)) if code in LIST_TYPES else ()
    return Outgoing(seq, sender.group(1).decode(), code, lists, body)


def _manifest(path: Path) -> dict[str, Expectation]:
    parcels: dict[str, Expectation] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row: dict[str, Any] = json.loads(line)
            expected = row["expected"]
            codes = tuple(expected.get("codes", [expected["status"]]))
            parcels[row["parcel"]] = Expectation(row["parcel"], row["list_guid"], int(row["last_seq"]),
                                                 expected["message_type"], expected["status"], codes,
                                                 row.get("scenario", ""))  # fmt: skip
    return parcels


def _recorded_lists(messages: list[Outgoing]) -> dict[str, Expectation]:
    """Recorded traffic: every list document is a 'parcel' named by its guid, nothing expected."""
    parcels: dict[str, Expectation] = {}
    for message in messages:
        for guid in message.parcels:
            parcels[guid] = Expectation(guid, guid, message.seq, LIST_TYPES[message.message_type], None)
    return parcels

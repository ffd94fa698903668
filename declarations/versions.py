"""Duplicates and versions (domain reference §4.5; architecture invariant 4). Pure.

For each incoming document, given what is stored under its business key, decide:
- `Replay`: the same document guid with the same content was accepted before: answer the same
  receipt again (an idempotent retry), change nothing;
- `Accept`: store it as the next version of its key;
- `Refuse`: answer with the spec's negative code for this document type, change nothing.

`appType` 1 (new) needs the key to be free (or its last version refused, deleted or a draft); 2 (modify)
and 3 (delete) need a live version. `appTime` is the version stamp: a document older than the
stored version is ignored as stale ("接收报文为旧报文数据，不做处理").

A document guid (系统唯一序号) names one document of its message type: the same guid with other
content under the same business key is a new version of that document, but under another
business key it would be a second document, and the receipts the pipeline sends by (message
type, guid) would reach either one. It is refused with the type's duplicate code (-301010 for an
order, -621004 for a list, -304001 for the export documents: the guid is a key that must be
unique, like the business key) and a returnInfo naming the guid only: the document already
holding it may be another enterprise's, so neither its business key nor its sender is told. The
same guid in another message type (a CEB311 and a CEB621, as the official samples do) is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from declarations.domain.events import Kind
from declarations.domain.matching_text import REFUSALS


def _matching_codes(kind: Kind) -> tuple[str, str, str]:
    """The codes the matching core answers for the same refusals, so intake and matching agree."""
    codes = REFUSALS[kind]
    return str(codes["duplicate"]), str(codes["no_target"]), str(codes["stale"])


# kind -> (duplicate, no such document, stale appTime). Spec codes where §4.5/§4.7 give them;
# the others follow each family's numbering. The four matched kinds share matching's table.
CODES: dict[str, tuple[str, str, str]] = {
    "order": _matching_codes(Kind.ORDER),
    "payment": _matching_codes(Kind.PAYMENT),
    "waybill": _matching_codes(Kind.WAYBILL),
    "waybill-status": ("-505015", "-505009", "-505016"),
    "list": _matching_codes(Kind.LIST),
    "list-cancel": ("-623009", "-623003", "-623014"),
    "list-return": ("-625010", "-625003", "-625014"),
    "delivery": ("-800004", "-800003", "-800005"),
}
EXPORT_CODES = ("-304001", "-304002", "-304003")  # crs's "业务主键重复" family, for the export documents
FAILED = "100"
DRAFT = "1"


@dataclass(frozen=True, slots=True)
class Stored:
    """The live version of a business key; `version` is the key's highest version number (the
    next is numbered after it), which a later version that a stage refused may hold."""

    guid: str
    content_hash: str
    app_type: str
    app_time: datetime
    status: str
    version: int


@dataclass(frozen=True, slots=True)
class Incoming:
    kind: str
    guid: str
    content_hash: str
    app_type: str
    app_time: datetime


@dataclass(frozen=True, slots=True)
class Accept:
    version: int


@dataclass(frozen=True, slots=True)
class Replay:
    guid: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class Refuse:
    code: str
    info: str


Decision = Accept | Replay | Refuse


def decide(
    incoming: Incoming, stored: Stored | None, seen_before: bool, *, guid_taken: bool = False
) -> Decision:
    """`seen_before`: a document with this guid and content hash was accepted earlier;
    `guid_taken`: a document of this message type under another business key holds this guid."""
    if seen_before:
        return Replay(incoming.guid, incoming.content_hash)
    if guid_taken:
        duplicate = CODES.get(incoming.kind, EXPORT_CODES)[0]
        return Refuse(duplicate, f"系统唯一序号已被另一单证使用，请重新生成[guid={incoming.guid}]")
    return _next_version(incoming, stored)


def _next_version(incoming: Incoming, stored: Stored | None) -> Accept | Refuse:
    duplicate, missing, stale = CODES.get(incoming.kind, EXPORT_CODES)
    live = stored is not None and stored.app_type != "3" and not _failed(stored.status)
    draft = stored is not None and stored.status == DRAFT  # a draft may be declared again as new
    if stored is not None and incoming.app_time < stored.app_time:
        return Refuse(stale, f"接收报文为旧报文数据，不做处理[appTime早于已存在版本{stored.guid}]")
    next_version = (stored.version + 1) if stored else 1
    if incoming.app_type == "1":
        if live and not draft:
            assert stored is not None
            return Refuse(duplicate, f"已存在相同编号的单证，请勿重复申报[{stored.guid}]")
        return Accept(next_version)
    if not live:
        action = "变更" if incoming.app_type == "2" else "删除"
        return Refuse(missing, f"单证不存在，无法完成{action}[appType={incoming.app_type}]")
    return Accept(next_version)


def _failed(status: str) -> bool:
    return status == FAILED or status.startswith("-")

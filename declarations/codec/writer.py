"""Write CEB messages from records, in the definition's element order, as UTF-8 bytes.

Receipts are on the hot path (thousands per second), so the writer builds the text directly
from precompiled plans instead of building a tree. Customs-sent messages use a default
namespace, like the official receipt samples; enterprise-sent messages use the `ceb:` prefix
and carry their envelope (BaseTransfer, BaseSubscribe, then ExtendMessage and ds:Signature in
the order their XSD family wants), like the official declaration samples.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from declarations.codec.errors import EncodeError
from declarations.codec.plans import (
    BASE_SUBSCRIBE_PLAN,
    BASE_TRANSFER_PLAN,
    Plan,
    Step,
    StepKind,
    document_plan,
)
from declarations.codec.values import escape_attribute
from declarations.domain.messages import BaseSubscribe, BaseTransfer, CebMessage
from schemas.definition import BY_CODE, Message, Sender
from schemas.definition.model import CEB_NS, Trailer

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def new_guid() -> str:
    """A fresh message guid: 36 characters, upper case, as the spec asks."""
    return str(uuid.uuid4()).upper()


def _write_leaf(out: list[str], value: Any, step: Step, prefix: str, path: str) -> None:
    try:
        text = step.encode(value)
    except (TypeError, ValueError) as exc:
        raise EncodeError(f"{path}/{step.element}", str(exc)) from exc
    name = step.element
    out.append(f"<{prefix}{name}>{text}</{prefix}{name}>")


def _write_steps(out: list[str], record: Any, plan: Plan, prefix: str, path: str) -> None:
    for step in plan.steps:
        if step.kind is StepKind.INLINE:
            assert step.plan is not None
            write_record(out, record, step.plan, prefix, path)
            continue
        value = getattr(record, step.attribute, None)
        if value is None:
            if step.required:
                raise EncodeError(f"{path}/{step.element}", "a required value is missing")
        elif step.kind is StepKind.LEAF:
            _write_leaf(out, value, step, prefix, path)
        elif step.kind is StepKind.ONE:
            assert step.plan is not None
            write_record(out, value, step.plan, prefix, path)
        else:
            assert step.plan is not None
            _check_count(len(value), step.min_occurs, step.max_occurs, f"{path}/{step.element}")
            for item in value:
                write_record(out, item, step.plan, prefix, path)


def write_record(out: list[str], record: Any, plan: Plan, prefix: str, path: str) -> None:
    """Append one record as its element to `out`."""
    if not isinstance(record, plan.record):
        expected = plan.record.__name__
        raise EncodeError(f"{path}/{plan.element}", f"expected {expected}, got {type(record).__name__}")
    out.append(f"<{prefix}{plan.element}>")
    _write_steps(out, record, plan, prefix, f"{path}/{plan.element}")
    out.append(f"</{prefix}{plan.element}>")


def _check_count(count: int, low: int, high: int | None, path: str) -> None:
    if count < low or (high is not None and count > high):
        limit = "unbounded" if high is None else str(high)
        raise EncodeError(path, f"{count} elements where {low}..{limit} are allowed")


def _envelope(
    out: list[str],
    message: Message,
    base_transfer: BaseTransfer | None,
    base_subscribes: Sequence[BaseSubscribe],
    trailer: tuple[bytes | None, bytes | None],
) -> None:
    path = f"/{message.root}"
    if base_transfer is not None:
        write_record(out, base_transfer, BASE_TRANSFER_PLAN, "ceb:", path)
    _check_count(len(base_subscribes), 0, 5, f"{path}/BaseSubscribe")
    for subscribe in base_subscribes:
        write_record(out, subscribe, BASE_SUBSCRIBE_PLAN, "ceb:", path)
    signature, extend = trailer
    ordered = (extend, signature) if message.trailer is Trailer.EXTEND_THEN_SIGNATURE else (signature, extend)
    out.extend(part.decode("utf-8") for part in ordered if part is not None)


def build(
    code: str,
    documents: Sequence[Any],
    *,
    guid: str | None = None,
    version: str = "1.0",
    base_transfer: BaseTransfer | None = None,
    base_subscribes: Sequence[BaseSubscribe] = (),
    signature_xml: bytes | None = None,
    extend_message_xml: bytes | None = None,
) -> bytes:
    """The bytes of message `code` carrying `documents` (records), with a fresh root guid by default."""
    message = BY_CODE.get(code)
    if message is None:
        raise EncodeError("/", f"unknown message type {code!r}")
    enterprise = message.sender is Sender.ENTERPRISE
    prefix, xmlns = ("ceb:", f"xmlns:ceb={CEB_NS!r}") if enterprise else ("", f"xmlns={CEB_NS!r}")
    _check_count(len(documents), 1, message.documents.max_occurs, f"/{message.root}/{message.documents.name}")
    root_guid = escape_attribute(guid or new_guid())
    out = [_DECLARATION, f'<{prefix}{message.root} guid="{root_guid}" version="{escape_attribute(version)}" ']
    out.append(xmlns.replace("'", '"') + ">")
    plan = document_plan(code)
    for document in documents:
        write_record(out, document, plan, prefix, f"/{message.root}")
    if enterprise:
        _envelope(out, message, base_transfer, base_subscribes, (signature_xml, extend_message_xml))
    out.append(f"</{prefix}{message.root}>")
    return "".join(out).encode("utf-8")


def build_message(message: CebMessage) -> bytes:
    """The bytes of a parsed (or hand-made) message: the inverse of `parse_message`."""
    return build(
        message.message_type,
        message.documents,
        guid=message.guid,
        version=message.version,
        base_transfer=message.base_transfer,
        base_subscribes=message.base_subscribes,
        signature_xml=message.signature_xml,
        extend_message_xml=message.extend_message_xml,
    )

"""Read a CEB message into records: one record per business document.

The reader trusts the definition for names and cardinality but not for order: it finds children
by local name, so a `ceb:` prefix and a default namespace read the same. Unknown children are
ignored (schema validation, upstream, is where they are refused). Empty optional elements read as
None. Every failure is a `DecodeError` naming the element path and line.
"""

from __future__ import annotations

import functools
from typing import Any

from lxml import etree

from declarations.codec.errors import DecodeError
from declarations.codec.plans import (
    BASE_SUBSCRIBE_PLAN,
    BASE_TRANSFER_PLAN,
    Plan,
    Step,
    StepKind,
    document_plan,
)
from declarations.codec.value_kinds import ValueKind
from declarations.codec.values import decode_value
from declarations.codec.xml_input import parse_bytes
from declarations.domain.messages import CebMessage
from schemas.definition import BY_CODE, Message, message_for_root
from schemas.definition.model import CEB_NS, DS_NS

_SIGNATURE = f"{{{DS_NS}}}Signature"


def local_name(element: etree._Element) -> str:
    """The element's name without its namespace."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def element_path(element: etree._Element) -> str:
    """`/CEB311Message/Order[2]/OrderHead/appTime`: local names, with a position among same-named siblings."""
    parts = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        name = local_name(node)
        if parent is not None:
            same = [child for child in parent if child.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


def _children(element: etree._Element) -> dict[str, list[etree._Element]]:
    found: dict[str, list[etree._Element]] = {}
    for child in element:
        tag = child.tag  # lxml builds this string at each access: once per child
        if isinstance(tag, str):
            name = tag.rpartition("}")[2]
            same = found.get(name)
            if same is None:
                found[name] = [child]
            else:
                same.append(child)
    return found


def _missing(parent: etree._Element, step: Step) -> DecodeError:
    return DecodeError(
        f"{element_path(parent)}/{step.element}", parent.sourceline, "required element missing"
    )


def _leaf(parent: etree._Element, element: etree._Element | None, step: Step) -> Any:
    """A leaf `_read_steps` did not settle: present and not plain text, or required and absent."""
    if element is None:
        raise _missing(parent, step)
    text = element.text or ""
    if not (text if step.value_kind is ValueKind.TEXT else text.strip()):
        if step.required and step.value_kind is not ValueKind.TEXT:
            raise DecodeError(element_path(element), element.sourceline, "a value is required")
        return text if step.required else None
    try:
        return decode_value(text, step.value_kind)
    except ValueError as exc:
        raise DecodeError(element_path(element), element.sourceline, str(exc)) from exc


def _read_steps(element: etree._Element, plan: Plan, values: dict[str, Any]) -> None:
    children = _children(element)
    for step in plan.steps:
        found = children.get(step.element, ())
        if step.kind is StepKind.LEAF:
            text = found[0].text if found else None
            if text and step.value_kind is ValueKind.TEXT:  # most leaves: the text is the value
                values[step.attribute] = text
            elif found or step.required:
                values[step.attribute] = _leaf(element, found[0] if found else None, step)
            # else an optional element left out: the record's default, None
        elif len(found) < step.min_occurs:
            raise _missing(element, step)
        elif step.kind is StepKind.MANY:
            assert step.plan is not None
            values[step.attribute] = tuple(read_record(child, step.plan) for child in found)
        elif step.kind is StepKind.ONE:
            assert step.plan is not None
            values[step.attribute] = read_record(found[0], step.plan) if found else None
        elif found:
            assert step.plan is not None
            _read_steps(found[0], step.plan, values)


def read_record(element: etree._Element, plan: Plan) -> Any:
    """One record from one element, following its plan."""
    values: dict[str, Any] = {}
    _read_steps(element, plan, values)
    return plan.record(**values)


def _message_of(root: etree._Element) -> Message:
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    message = message_for_root(name) or BY_CODE.get(name)
    if namespace != CEB_NS or message is None:
        raise DecodeError(f"/{name}", root.sourceline, f"not a CEB message root ({{{namespace}}}{name})")
    return message


def _attribute(root: etree._Element, name: str) -> str:
    value = root.get(name)
    if value is None:
        raise DecodeError(f"{element_path(root)}/@{name}", root.sourceline, "required attribute missing")
    return value


def _canonical(element: etree._Element | None) -> bytes | None:
    return None if element is None else etree.tostring(element, method="c14n", exclusive=True)


def read_message(root: etree._Element) -> CebMessage:
    """A parsed message from its root element."""
    message = _message_of(root)
    children = _children(root)
    plan = document_plan(message.code)
    found = children.get(message.documents.name, [])
    if not found:
        raise DecodeError(f"{element_path(root)}/{message.documents.name}", root.sourceline, "no document")
    transfers = children.get("BaseTransfer", [])
    return CebMessage(
        message_type=message.code,
        guid=_attribute(root, "guid"),
        version=_attribute(root, "version"),
        documents=tuple(read_record(element, plan) for element in found),
        base_transfer=read_record(transfers[0], BASE_TRANSFER_PLAN) if transfers else None,
        base_subscribes=tuple(read_record(e, BASE_SUBSCRIBE_PLAN) for e in children.get("BaseSubscribe", [])),
        signature_xml=_canonical(root.find(_SIGNATURE)),
        extend_message_xml=_canonical(next(iter(children.get("ExtendMessage", [])), None)),
    )


RECENT_PARSES = 2048  # ~9 KB each (bytes and records): ~18 MB at most


@functools.lru_cache(maxsize=RECENT_PARSES)
def parse_recent(data: bytes) -> CebMessage:
    """`parse_message` of bytes, remembering the most recent parses: equal bytes, the same message.

    The stages of one worker process (`cebsim worker all`) meet the same bytes twice: matching
    parses an accepted document from the bus, and the recorder parses that document's stored body
    moments later to answer its receipts. A parse is a stage's largest single cost (~0.2 ms a
    document) and its result is immutable, so it can be shared. Thread-safe; errors are not kept.
    """
    return parse_message(data)


def parse_message(source: bytes | etree._Element | etree._ElementTree) -> CebMessage:
    """Parse a CEB message from bytes (UTF-8 with or without BOM, or GB18030/GBK/GB2312) or a tree."""
    if isinstance(source, bytes):
        return read_message(parse_bytes(source))
    if isinstance(source, etree._ElementTree):
        return read_message(source.getroot())
    return read_message(source)

"""Compiled plans: for each message, the steps that read or write its documents in spec order.

A plan is derived once, at import, from the definition (element names, order, cardinality), the
layout table (record names and shapes) and the value kinds. The reader and the writer then walk
the same plan, so the order the writer emits is always the definition's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from enum import Enum
from typing import Any

from declarations.codec.layout import (
    BY_CODE as LAYOUT_BY_CODE,
)
from declarations.codec.layout import (
    HEAD_ATTRIBUTE,
    LINES_ATTRIBUTE,
    RECEIPT_RECORD,
    Layout,
    attribute_name,
)
from declarations.codec.value_kinds import ValueKind, value_kind
from declarations.codec.values import ENCODERS
from declarations.domain import documents, messages
from schemas.definition import BY_CODE as MESSAGE_BY_CODE
from schemas.definition import Message
from schemas.definition.envelope import BASE_SUBSCRIBE, BASE_TRANSFER
from schemas.definition.model import Field, Group


class StepKind(Enum):
    LEAF = "leaf"  # <name>text</name> → one attribute
    ONE = "one"  # a nested element → one nested record
    MANY = "many"  # a repeated element → a tuple of nested records
    INLINE = "inline"  # a wrapper element whose fields belong to the enclosing record


@dataclass(frozen=True, slots=True)
class Step:
    """One child of a group: what it is called, where its value lives, and how to convert it."""

    kind: StepKind
    element: str
    attribute: str
    required: bool
    value_kind: ValueKind = ValueKind.TEXT
    plan: Plan | None = None
    min_occurs: int = 1
    max_occurs: int | None = 1
    # a leaf's value as text (`values.ENCODERS[value_kind]`), looked up once: an Enum's hash is a
    # Python call, and the writer writes thousands of leaves a second
    encode: Callable[[Any], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "encode", ENCODERS[self.value_kind])


@dataclass(frozen=True, slots=True)
class Plan:
    """How one element maps onto one record class."""

    element: str
    record: type[Any]
    steps: tuple[Step, ...]


def _leaf(node: Field) -> Step:
    return Step(StepKind.LEAF, node.name, attribute_name(node.name), node.required, value_kind(node))


def leaf_plan(group: Group, record: type[Any]) -> Plan:
    """A plan for a group of fields only.

    The reader leaves an absent optional element out of the record's arguments, so its field
    must default to None: checked here, once, rather than trusted.
    """
    steps = tuple(_leaf(node) for node in group.fields)
    defaults = {spec.name: spec.default for spec in fields(record)}
    for step in steps:
        if not step.required and defaults.get(step.attribute, MISSING) is not None:
            raise TypeError(
                f"{record.__name__}.{step.attribute}: an optional element's field must default to None"
            )
    return Plan(group.name, record, steps)


def _nested(kind: StepKind, group: Group, plan: Plan, attribute: str) -> Step:
    required = group.min_occurs > 0
    return Step(kind, group.name, attribute, required, plan=plan, min_occurs=group.min_occurs,
                max_occurs=group.max_occurs)  # fmt: skip


def _record(name: str) -> type[Any]:
    record: type[Any] = getattr(documents, name)
    return record


def _document_plan(message: Message, layout: Layout | None) -> Plan:
    group = message.documents
    if layout is None:
        # The shared Receipt record has optional keys; each receipt type still requires its own.
        return leaf_plan(group, _record(RECEIPT_RECORD))
    record = _record(layout.document)
    if layout.inline_head:
        (wrapper,) = group.groups
        inline = _nested(StepKind.INLINE, wrapper, leaf_plan(wrapper, record), "")
        return Plan(group.name, record, (inline,))
    if layout.head is None:
        return leaf_plan(group, record)
    assert layout.line is not None
    head_group, line_group = group.groups
    head = _nested(StepKind.ONE, head_group, leaf_plan(head_group, _record(layout.head)), HEAD_ATTRIBUTE)
    lines_plan = leaf_plan(line_group, _record(layout.line))
    lines = _nested(StepKind.MANY, line_group, lines_plan, LINES_ATTRIBUTE)
    return Plan(group.name, record, (head, lines))


DOCUMENT_PLANS: dict[str, Plan] = {
    code: _document_plan(message, LAYOUT_BY_CODE.get(code)) for code, message in MESSAGE_BY_CODE.items()
}
BASE_TRANSFER_PLAN = leaf_plan(BASE_TRANSFER, messages.BaseTransfer)
BASE_SUBSCRIBE_PLAN = leaf_plan(BASE_SUBSCRIBE, messages.BaseSubscribe)


def document_plan(code: str) -> Plan:
    """The plan of one message's documents (`KeyError` for an unknown code)."""
    return DOCUMENT_PLANS[code]

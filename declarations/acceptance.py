"""The receipts intake answers with, built from the document itself (pure).

Every enterprise document is answered by the receipt type one above its own (CEB311 → CEB312,
CEB621 → CEB622, …) carrying the same business keys. When a receipt requires a key the document
left empty, the e-port's own numbers fill it: `preNo` (assigned at acceptance), `invtNo`, else the
document guid — so an answer always validates against the receipt's schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from declarations.domain.customs_documents import Receipt
from declarations.domain.documents import Document
from declarations.intake import DocumentFacts
from schemas.definition import BY_CODE

RECEIPT_VALUE_FIELDS = frozenset({"guid", "returnStatus", "returnTime", "returnInfo"})
ACCEPTED = "2"
DRAFT = "1"
ACCEPT_INFO = {"1": "新增申报成功", "2": "变更申报成功", "3": "删除申报成功"}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


@dataclass(frozen=True, slots=True)
class Numbers:
    """The numbers the e-port assigns at acceptance."""

    pre_no: str | None = None
    invt_no: str | None = None


@cache
def receipt_keys(receipt_type: str) -> tuple[tuple[str, bool, int | None], ...]:
    """(snake_case name, required, max length) of each business key of a receipt type."""
    definition = BY_CODE[receipt_type].documents
    return tuple(
        (snake(field.name), field.required, field.facets.max_length)
        for field in definition.fields
        if field.name not in RECEIPT_VALUE_FIELDS
    )


def receipt_for(
    facts: DocumentFacts, status: str, info: str, at: datetime, numbers: Numbers = Numbers()
) -> Receipt:
    values: dict[str, object] = {}
    for name, required, max_length in receipt_keys(facts.receipt_type):
        value = _assigned(name, numbers) or getattr(facts.head, name, None)
        if value is None and required:
            value = facts.guid[:max_length] if max_length else facts.guid
        values[name] = value
    return Receipt(guid=facts.guid, return_status=status, return_time=at, return_info=info, **values)  # type: ignore[arg-type]


def _assigned(name: str, numbers: Numbers) -> str | None:
    if name == "pre_no":
        return numbers.pre_no
    if name == "invt_no":
        return numbers.invt_no
    return None


def acceptance_receipt(facts: DocumentFacts, at: datetime, numbers: Numbers) -> Receipt:
    """Status 2 (申报中) for a declared document, 1 (暂存) for a draft."""
    if facts.app_status == DRAFT:
        return receipt_for(facts, DRAFT, f"暂存成功[{facts.guid}]", at, numbers)
    action = ACCEPT_INFO.get(facts.app_type, "申报成功")
    return receipt_for(facts, ACCEPTED, f"{action}[{facts.guid}]", at, numbers)


def needs_pre_no(facts: DocumentFacts) -> bool:
    return any(name == "pre_no" for name, _, _ in receipt_keys(facts.receipt_type))


def needs_invt_no(facts: DocumentFacts) -> bool:
    """Export receipts require the customs list number from the first answer on."""
    return any(name == "invt_no" and required for name, required, _ in receipt_keys(facts.receipt_type))


def with_numbers(document: Document, numbers: Numbers) -> Document:
    """The document as the e-port stores it: with the preNo (and invtNo) it assigned filled in."""
    head = getattr(document, "head", None)
    target = head if head is not None else document
    changes = {
        name: value
        for name, value in (("pre_no", numbers.pre_no), ("invt_no", numbers.invt_no))
        if value is not None and hasattr(target, name)
    }
    if not changes:
        return document
    updated: Any = replace(target, **changes)
    result: Document = replace(document, head=updated) if head is not None else updated
    return result

"""What intake answers, as values; `gateway.routes.messages` renders them as XML or JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from declarations.domain.customs_documents import Receipt
from schemas.loader import Violation

# negative returnStatus of a CEB900 format receipt: the DXP message-format range (domain §4.7)
NOT_XML = "-0001"
SCHEMA_INVALID = "-0002"


@dataclass(frozen=True, slots=True)
class ReceiptAnswer:
    """202 (accepted), 403 (signature or authorisation) or 409 (duplicates/versions): CEBxx2 receipts."""

    status_code: int
    message_type: str  # the receipt type, e.g. CEB312
    receipts: tuple[Receipt, ...]
    headers: dict[str, str] = field(default_factory=dict)
    # the one receipt's message as stored for GET /ceb/receipts: the XML answer is those bytes
    xml: bytes | None = None


@dataclass(frozen=True, slots=True)
class FormatAnswer:
    """400: the message is not well-formed or not valid; a CEB900 format receipt lists why."""

    return_status: str
    ori_message_type: str
    ori_cop_msg_id: str
    violations: tuple[Violation, ...]
    original: bytes
    status_code: int = 400


@dataclass(frozen=True, slots=True)
class Problem:
    """401/413/415/503: the request was refused before any document could be answered."""

    status_code: int
    rule: str
    message: str
    code: str = ""
    headers: dict[str, str] = field(default_factory=dict)


Answer = ReceiptAnswer | FormatAnswer | Problem

"""What intake needs to know about one business document, read off its record (pure).

`facts(message_type, document)` gives the document's identity for duplicate and version checks
(domain reference §4.5: the business key per document type), the enterprises named in it (who
may read its status trail), the key that routes it on the bus, and the values its receipt echoes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from declarations.domain.documents import Document

# message type -> (document kind, business-key fields (snake_case), receipt type)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "CEB311": ("order", ("ebc_code", "order_no")),
    "CEB411": ("payment", ("pay_code", "pay_transaction_id")),
    "CEB511": ("waybill", ("logistics_code", "logistics_no")),
    "CEB513": ("waybill-status", ("logistics_code", "logistics_no", "logistics_status")),
    "CEB621": ("list", ("ebc_code", "order_no")),
    "CEB623": ("list-cancel", ("agent_code", "invt_no")),
    "CEB625": ("list-return", ("agent_code", "invt_no", "cop_no")),  # each return its copNo: parts of a list
    "CEB711": ("delivery", ("operator_code", "bill_no", "cop_no")),
    "CEB303": ("export-order", ("ebc_code", "order_no")),
    "CEB403": ("collection", ("ebc_code", "order_no")),
    "CEB505": ("export-waybill", ("logistics_code", "logistics_no")),
    "CEB507": ("arrival", ("logistics_code", "cop_no")),
    "CEB509": ("departure", ("logistics_code", "cop_no")),
    "CEB603": ("export-list", ("agent_code", "cop_no")),
    "CEB605": ("export-list-cancel", ("agent_code", "cop_no")),
    "CEB607": ("waybill-binding", ("agent_code", "cop_no")),
    "CEB701": ("summary", ("agent_code", "cop_no")),
    "CEB213": ("export-return", ("agent_code", "co_el_no")),
    "CEB215": ("export-return-tally", ("operator_code", "co_el_no")),
}

PARTY_FIELDS = ("ebp_code", "ebc_code", "pay_code", "logistics_code", "agent_code", "operator_code")
ROUTING_FIELDS = ("order_no",)  # matching is keyed by order; other documents by their business key


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    message_type: str
    kind: str
    guid: str
    business_key: str
    app_type: str
    app_status: str
    app_time: datetime
    routing_key: str
    parties: frozenset[str]
    head: Any  # the head record (or the document itself when it has no head/list split)

    @property
    def receipt_type(self) -> str:
        return receipt_type(self.message_type)


def receipt_type(message_type: str) -> str:
    """The type of the receipt that answers a document type: CEB311 → CEB312."""
    return f"CEB{int(message_type[3:]) + 1}"


def answered_type(receipt_type: str) -> str:
    """The document type a receipt type answers: CEB312 → CEB311."""
    return f"CEB{int(receipt_type[3:]) - 1}"


def head_of(document: Document) -> Any:
    return getattr(document, "head", document)


def facts(message_type: str, document: Document) -> DocumentFacts:
    kind, key_fields = KINDS[message_type]
    head = head_of(document)
    key = "|".join(str(getattr(head, name, None) or "") for name in key_fields)
    if not key.strip("|"):
        key = head.guid  # no usable business key: the guid identifies the document
    routing = next((getattr(head, name) for name in ROUTING_FIELDS if getattr(head, name, None)), key)
    parties = frozenset(code for name in PARTY_FIELDS if (code := getattr(head, name, None)))
    return DocumentFacts(
        message_type=message_type,
        kind=kind,
        guid=head.guid,
        business_key=key,
        app_type=head.app_type,
        app_status=head.app_status,
        app_time=head.app_time,
        routing_key=str(routing),
        parties=parties,
        head=head,
    )


def codes_of(document: Document) -> dict[str, str | None]:
    """The party codes of a document under their spec names, as `identity.authorise` reads them."""
    head = head_of(document)
    spec_names = {
        "ebp_code": "ebpCode",
        "ebc_code": "ebcCode",
        "pay_code": "payCode",
        "logistics_code": "logisticsCode",
        "agent_code": "agentCode",
        "operator_code": "operatorCode",
    }
    return {spec: getattr(head, name, None) for name, spec in spec_names.items()}

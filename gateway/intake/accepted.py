"""What a document accepted in an acceptor batch becomes: its `documents` row, who is named in it,
its acceptance receipt's row, and its record on the accepted topic. Built while the batch is
judged (`gateway.intake.batch`), written by the batch's multi-row inserts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from declarations.acceptance import Numbers
from declarations.bus.port import Headers
from declarations.domain.customs_documents import Receipt
from declarations.identity import Enterprise
from declarations.intake import DocumentFacts

ACCEPTED_TOPIC = "cebsim.documents.accepted"


@dataclass
class Accepted:
    """A document accepted in this batch, waiting for the batch's multi-row inserts."""

    row: dict[str, object]  # its `documents` row (`document_row`); the batch sets "current"
    body: bytes  # the document as stored and published
    enterprise: Enterprise
    fact: DocumentFacts
    receipt: Receipt
    xml: bytes  # the receipt message, stored as it is answered

    @property
    def key(self) -> tuple[str, str]:
        """(message type, business key)."""
        return self.fact.message_type, self.fact.business_key

    @property
    def declared(self) -> bool:
        """Sent on to the pipeline: drafts are stored, not declared."""
        return self.receipt.return_status != "1"

    def record(self) -> tuple[str, bytes, bytes, Headers]:
        """Its record on the accepted topic: (topic, key, value, headers)."""
        headers = (
            ("message_type", self.fact.message_type.encode()),
            ("guid", self.fact.guid.encode()),
            ("sender", self.enterprise.code.encode()),
        )
        return ACCEPTED_TOPIC, self.fact.routing_key.encode(), self.body, headers

    def party_rows(self, document_id: int) -> list[dict[str, object]]:
        """Who may read it: every enterprise named in it, and its sender."""
        named = self.fact.parties | {self.enterprise.code}
        return [{"document_id": document_id, "enterprise_code": code} for code in sorted(named)]

    def receipt_row(self, document_id: int) -> dict[str, object]:
        fact, receipt = self.fact, self.receipt
        return {
            "enterprise_code": self.enterprise.code,
            "document_id": document_id,
            "message_type": fact.receipt_type,
            "document_guid": fact.guid,
            "business_key": fact.business_key,
            "return_status": receipt.return_status,
            "return_time": receipt.return_time,
            "return_info": receipt.return_info,
            "body": self.xml,
            "created_at": receipt.return_time,
        }


def document_row(
    fact: DocumentFacts,
    *,
    sender: Enterprise,
    version: int,
    digest: str,
    numbers: Numbers,
    status: str,
    body: bytes,
    now: datetime,
) -> dict[str, object]:
    """The `documents` row of an accepted version, current until the batch says otherwise."""
    return {
        "guid": fact.guid,
        "message_type": fact.message_type,
        "kind": fact.kind,
        "business_key": fact.business_key,
        "version": version,
        "current": True,
        "sender_code": sender.code,
        "app_type": fact.app_type,
        "app_status": fact.app_status,
        "app_time": fact.app_time,
        "content_hash": digest,
        "routing_key": fact.routing_key,
        "pre_no": numbers.pre_no,
        "invt_no": numbers.invt_no,
        "status": status,
        "body": body,
        "accepted_at": now,
    }

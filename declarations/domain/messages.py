"""The message around the business documents: who transmits it, who subscribes, and its identity.

A CEB message (`CEBnnnMessage`) carries 1..100 business documents; each becomes one record in
`documents`. The envelope parts the simulator needs to reason about (the transmitting enterprise,
the subscribers) are records; the signature and the extension block are kept as the exact XML
they arrived as, because the simulator only verifies or forwards them and never edits them.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from declarations.domain.documents import Document
from declarations.domain.values import value

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
"""Every CEB time (`appTime`, `returnTime`, …) is written in China Standard Time, UTC+8."""


@value(kw_only=True)
class BaseTransfer:
    """`BaseTransfer`: the enterprise that transmits the message (it must be the caller)."""

    cop_code: str
    cop_name: str
    dxp_mode: str
    dxp_id: str
    note: str | None = None


@value(kw_only=True)
class BaseSubscribe:
    """`BaseSubscribe`: a third party that also receives the data or receipts (0..5 per message)."""

    status: str
    dxp_mode: str
    dxp_address: str
    note: str | None = None


@value(kw_only=True)
class CebMessage:
    """One `CEBnnnMessage`: its type, root guid and version, its documents and its envelope.

    `signature_xml` and `extend_message_xml` are the `ds:Signature` and `ExtendMessage` elements
    in exclusive canonical form (UTF-8), or None when absent.
    """

    message_type: str
    guid: str
    documents: tuple[Document, ...]
    version: str = "1.0"
    base_transfer: BaseTransfer | None = None
    base_subscribes: tuple[BaseSubscribe, ...] = ()
    signature_xml: bytes | None = None
    extend_message_xml: bytes | None = None

"""Builders for the end-to-end tests: enterprises with keys and certificates, documents, messages.

Every document gets a fresh guid and business number, so tests never collide. A `Firm` is a
registered enterprise as its integrator sees it: its code and DXP id, its API key (shown once at
registration) and two signing identities (RSA and SM2) whose certificates are registered to it.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx2
from lxml import etree

from declarations.codec import build, new_guid, parse_message
from declarations.domain.customs_documents import Receipt
from declarations.domain.documents import Document, InventoryList, Order, Payment, Waybill
from declarations.domain.messages import CHINA_STANDARD_TIME
from declarations.identity import Enterprise, Role
from gateway.signature import KeyKind, SigningIdentity, issue_identity, new_key, sign_message
from gateway.signature.private_keys import PrivateKey
from tests.unit.codec.builders import (
    make_base_transfer,
    make_inventory_head,
    make_inventory_list,
    make_order,
    make_order_head,
    make_payment,
    make_waybill,
)

CEB_NS = "http://www.chinaport.gov.cn/ceb"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
DXP_NS = "http://www.chinaport.gov.cn/dxp"
NS = {"ceb": CEB_NS, "ds": DS_NS}
APP_TIME = datetime(2026, 3, 8, 11, 27, 1, tzinfo=CHINA_STANDARD_TIME)
KEY_KIND = {"rsa-sha1": KeyKind.RSA, "rsa-sha256": KeyKind.RSA, "sm2-sm3": KeyKind.SM2}


@functools.cache
def cached_key(kind: KeyKind, slot: str) -> PrivateKey:
    """One key per (kind, slot) for the session: an RSA-2048 key costs about 100 ms to make."""
    return new_key(kind)


def identity_for(
    code: str,
    name: str,
    kind: KeyKind,
    *,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    slot: str | None = None,
) -> SigningIdentity:
    """A mock E-port CA identity for enterprise `code`, valid around now unless told otherwise."""
    now = datetime.now(UTC)
    return issue_identity(
        code,
        name,
        not_before=valid_from or now - timedelta(days=30),
        not_after=valid_to or now + timedelta(days=365),
        kind=kind,
        key=cached_key(kind, slot or code),
    )


@functools.cache
def standard_identity(code: str, name: str, kind: KeyKind) -> SigningIdentity:
    """The session's one valid identity per enterprise and key kind (issuing costs tens of ms)."""
    return identity_for(code, name, kind)


@dataclass(frozen=True)
class Firm:
    """A registered enterprise: code, DXP id, roles, API key and its registered RSA and SM2 identities."""

    enterprise: Enterprise
    api_key: str
    rsa: SigningIdentity
    sm2: SigningIdentity

    @property
    def code(self) -> str:
        return self.enterprise.code

    @property
    def dxp_id(self) -> str:
        return self.enterprise.dxp_id

    def identity(self, algorithm: str) -> SigningIdentity:
        return self.sm2 if KEY_KIND[algorithm] is KeyKind.SM2 else self.rsa

    def message(
        self,
        message_type: str,
        documents: Sequence[Document],
        *,
        algorithm: str | None = "rsa-sha256",
        signer: SigningIdentity | None = None,
        cop_code: str | None = None,
        dxp_id: str | None = None,
    ) -> bytes:
        """A message from this firm (BaseTransfer = its code and DXP id unless overridden).

        Signed with the firm's own identity for `algorithm` (or with `signer`); unsigned when
        `algorithm` is None.
        """
        transfer = make_base_transfer(
            cop_code=cop_code or self.code, cop_name=self.enterprise.name, dxp_id=dxp_id or self.dxp_id
        )
        xml = build(message_type, list(documents), base_transfer=transfer)
        if algorithm is None:
            return xml
        return sign_message(xml, signer or self.identity(algorithm), algorithm)


def enterprise(code: str, name: str, *roles: Role) -> Enterprise:
    return Enterprise(code, name, frozenset(roles), f"DXPENT{code}")


def _number(prefix: str) -> str:
    return f"{prefix}{new_guid().replace('-', '')[:16]}"


def order(firm: Firm, **head: Any) -> Order:
    """An import order (CEB311) of `firm` as platform and e-commerce enterprise; a fresh guid and orderNo."""
    values: dict[str, Any] = {
        "guid": new_guid(),
        "order_no": _number("ORD"),
        "ebp_code": firm.code,
        "ebc_code": firm.code,
        "app_time": APP_TIME,
    }
    return make_order(head=make_order_head(**(values | head)))


def payment(firm: Firm, **values: Any) -> Payment:
    defaults: dict[str, Any] = {
        "guid": new_guid(),
        "pay_code": firm.code,
        "pay_transaction_id": _number("PAY"),
        "app_time": APP_TIME,
    }
    return make_payment(**(defaults | values))


def waybill(firm: Firm, **values: Any) -> Waybill:
    defaults: dict[str, Any] = {
        "guid": new_guid(),
        "logistics_code": firm.code,
        "logistics_no": _number("LN"),
        "app_time": APP_TIME,
    }
    return make_waybill(**(defaults | values))


def inventory_list(firm: Firm, **head: Any) -> InventoryList:
    """An import list (CEB621) filed by `firm` as the e-commerce enterprise."""
    values: dict[str, Any] = {
        "guid": new_guid(),
        "order_no": _number("ORD"),
        "ebp_code": firm.code,
        "ebc_code": firm.code,
        "agent_code": firm.code,
        "app_time": APP_TIME,
    }
    return make_inventory_list(head=make_inventory_head(**(values | head)))


Versioned = TypeVar("Versioned", Order, InventoryList)


def modified(document: Versioned, **head: Any) -> Versioned:
    """The same document with a fresh guid and head values changed (a new version of the same key)."""
    return replace(document, head=replace(document.head, **({"guid": new_guid()} | head)))


def dxp_envelope(
    inner: bytes,
    sender: Firm,
    *,
    data: str | None = None,
    sender_id: str | None = None,
    msg_type: str = "CEB311Message",
) -> bytes:
    """A terminal-node DxpMsg carrying `inner` base64-encoded in Data (or `data` as given), from
    `sender`'s DXP id (or `sender_id`), its TransInfo/MsgType `msg_type`."""
    encoded = data if data is not None else base64.b64encode(inner).decode()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><DxpMsg xmlns="{DXP_NS}" ver="1.0">'
        f"<TransInfo><CopMsgId>{new_guid()}</CopMsgId><SenderId>{sender_id or sender.dxp_id}</SenderId>"
        f"<ReceiverIds><ReceiverId>DXPEDCCEB0000002</ReceiverId></ReceiverIds>"
        f"<CreatTime>2026-03-08T11:27:01</CreatTime><MsgType>{msg_type}</MsgType></TransInfo>"
        f"<Data>{encoded}</Data></DxpMsg>"
    ).encode()


def receipts(response: httpx2.Response) -> list[Receipt]:
    """The receipts of an XML answer (CEB312, CEB622, …), in document order."""
    return [r for r in parse_message(response.content).documents if isinstance(r, Receipt)]


def statuses(response: httpx2.Response) -> list[str]:
    return [receipt.return_status for receipt in receipts(response)]


def tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def serialised(root: etree._Element) -> bytes:
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def element(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found

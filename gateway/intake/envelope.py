"""The DXP terminal-node envelope (`DxpMsg`, domain §2.5): unwrap the base64 CEB message it carries."""

from __future__ import annotations

import base64
import binascii

from lxml import etree

from schemas.definition.model import DXP_NS
from schemas.loader import Violation


class EnvelopeError(Exception):
    def __init__(self, message: str, path: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line


def is_dxp(root: etree._Element) -> bool:
    return etree.QName(root).namespace == DXP_NS and etree.QName(root).localname == "DxpMsg"


def cop_msg_id(root: etree._Element) -> str:
    found = root.findtext(f"{{{DXP_NS}}}TransInfo/{{{DXP_NS}}}CopMsgId")
    return found.strip() if found else ""


def sender_id(root: etree._Element) -> str:
    """TransInfo/SenderId: the sending enterprise's DXP id (domain §2.5), checked like BaseTransfer.dxpId."""
    return (root.findtext(f"{{{DXP_NS}}}TransInfo/{{{DXP_NS}}}SenderId") or "").strip()


def mismatched_type(root: etree._Element, inner: etree._Element) -> Violation | None:
    """TransInfo/MsgType must name the message in Data (`CEB311Message` for a CEB311)."""
    declared = root.find(f"{{{DXP_NS}}}TransInfo/{{{DXP_NS}}}MsgType")
    carried = etree.QName(inner).localname
    if declared is None or (declared.text or "").strip() == carried:
        return None
    message = f"MsgType {(declared.text or '').strip()!r} does not name the message in Data, a {carried}"
    return Violation(declared.sourceline or 0, "/dxp:DxpMsg/dxp:TransInfo/dxp:MsgType", message)


def unwrap(root: etree._Element) -> bytes:
    """The CEB message in `Data` (already schema-valid DxpMsg)."""
    data = root.find(f"{{{DXP_NS}}}Data")
    line = (data.sourceline or 0) if data is not None else 0
    text = (data.text or "") if data is not None else ""
    try:
        inner = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EnvelopeError(f"Data is not valid base64: {exc}", "/dxp:DxpMsg/dxp:Data", line) from exc
    if not inner.strip():
        raise EnvelopeError("Data carries no message", "/dxp:DxpMsg/dxp:Data", line)
    return inner

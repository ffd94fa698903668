"""The DXP terminal-node envelope (`DxpMsg`, domain §2.5): unwrap the base64 CEB message it carries."""

from __future__ import annotations

import base64
import binascii

from lxml import etree

from schemas.definition.model import DXP_NS


class EnvelopeError(Exception):
    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def is_dxp(root: etree._Element) -> bool:
    return etree.QName(root).namespace == DXP_NS and etree.QName(root).localname == "DxpMsg"


def cop_msg_id(root: etree._Element) -> str:
    found = root.findtext(f"{{{DXP_NS}}}TransInfo/{{{DXP_NS}}}CopMsgId")
    return found.strip() if found else ""


def unwrap(root: etree._Element) -> bytes:
    """The CEB message in `Data` (already schema-valid DxpMsg)."""
    data = root.findtext(f"{{{DXP_NS}}}Data") or ""
    try:
        inner = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EnvelopeError(f"Data is not valid base64: {exc}", "/dxp:DxpMsg/dxp:Data") from exc
    if not inner.strip():
        raise EnvelopeError("Data carries no message", "/dxp:DxpMsg/dxp:Data")
    return inner

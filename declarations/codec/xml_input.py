"""Bytes in, element tree out, through the project's one hardened parser (`schemas.safe_xml`).

That parser refuses DOCTYPEs, oversized and over-deep input, and transcodes GB18030/GBK/GB2312
to UTF-8; this adapter only turns its refusal into the codec's `DecodeError`.
"""

from __future__ import annotations

from lxml import etree

from declarations.codec.errors import DecodeError
from schemas.safe_xml import XmlInputError, parse


def parse_bytes(data: bytes) -> etree._Element:
    """The root element of a CEB message given as bytes (`DecodeError` when it is refused)."""
    try:
        return parse(data)
    except XmlInputError as error:
        raise DecodeError("/", error.line or None, error.message) from error

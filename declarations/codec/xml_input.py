"""Bytes in, element tree out: hardened, and tolerant of what enterprises really send.

Enterprises send UTF-8 with or without a byte-order mark, and some declare `GB18030`, `GBK` or
`GB2312`. libxml2 may lack a GB18030 converter, so those documents are transcoded here (GB18030
is a superset of the other two) before lxml sees them.

The parser resolves no entities, loads no DTD and touches no network, and any DOCTYPE is refused:
a CEB message never needs one, and refusing it closes entity-expansion and XXE attacks.
This is a private stand-in for `schemas.safe_xml` (to be swapped once that module exists).
"""

from __future__ import annotations

import re

from lxml import etree

from declarations.codec.errors import DecodeError

_UTF8_BOM = b"\xef\xbb\xbf"
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_CHINESE_ENCODINGS = frozenset({"gb18030", "gbk", "gb2312", "cp936"})
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,
)


def _transcoded(data: bytes) -> bytes:
    """UTF-8 bytes for a document declared in a Chinese national encoding; others unchanged."""
    match = _DECLARATION.match(data[:400])
    if match is None or match[1].decode("ascii").lower() not in _CHINESE_ENCODINGS:
        return data
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DecodeError("/", None, f"not valid {match[1].decode('ascii')}: {exc.reason}") from exc
    start, end = match.span(1)
    if not data[:end].isascii():
        raise DecodeError("/", 1, "the XML declaration must be ASCII")
    # An ASCII prefix has the same offsets in the bytes and in the decoded text.
    return (text[:start] + "UTF-8" + text[end:]).encode("utf-8")


def parse_bytes(data: bytes) -> etree._Element:
    """The root element of a CEB message given as bytes (`DecodeError` when it is not well-formed XML)."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    data = _transcoded(data)
    if b"<!DOCTYPE" in data:
        raise DecodeError("/", None, "a DOCTYPE is not allowed in a CEB message")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise DecodeError("/", exc.lineno, f"not well-formed XML: {exc.msg}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DecodeError("/", None, "a DOCTYPE is not allowed in a CEB message")
    return root

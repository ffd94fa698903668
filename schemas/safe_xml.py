"""The one hardened XML parser of the project: every byte that comes from outside is parsed here.

What it refuses, and why:

- any DOCTYPE: no CEB or DXP message has one, and a DTD is where XXE (file or network), external
  DTDs, billion-laughs and quadratic-blowup attacks live. It is refused before parsing when it can
  be seen in the bytes and after parsing otherwise (e.g. UTF-16 input).
- input larger than `Limits.max_bytes`, or nested deeper than `Limits.max_depth` (libxml2's own
  ceiling, 256 without `huge_tree`, also holds).
- anything lxml cannot parse, or that does not decode in its declared encoding.

What it accepts: UTF-8 with or without a byte-order mark, the `ceb:` prefix or a default
namespace, and the Chinese encodings GB18030/GBK/GB2312 declared in the XML declaration (decoded
in Python, because libxml2 builds do not all know GB18030).

Errors (one class, a value with fields; `schemas` is the bottom layer and defines its own):

    XmlInputError(reason, message, line)
        reason: "empty" | "too-large" | "doctype" | "encoding" | "syntax" | "too-deep"

`parse` raises it, `parse_or_error` returns it, so callers choose exception or value.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

from lxml import etree

_CHINESE_ENCODINGS = frozenset({"gb18030", "gbk", "gb2312", "gb_2312", "gb-2312", "cp936", "euc-cn"})
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_UTF8_BOM = b"\xef\xbb\xbf"
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


@dataclass(frozen=True)
class Limits:
    """How much input one parse may consume."""

    max_bytes: int = 16 * 1024 * 1024  # 100 documents of 99 lines each stay well below
    max_depth: int = 64  # a CEB message is about 8 deep, a signature a few more


DEFAULT_LIMITS = Limits()


class XmlInputError(Exception):
    """The input is not XML this system accepts; `reason` says which rule refused it."""

    def __init__(self, reason: str, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.line = line


_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread: lxml parsers keep per-parse state and must not be shared."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=False,
        )
        _local.parser = parser
    return parser


def parse(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """The root element of `data`, or `XmlInputError`."""
    if not data or not data.strip():
        raise XmlInputError("empty", "empty input: no XML document")
    if len(data) > limits.max_bytes:
        raise XmlInputError(
            "too-large", f"input of {len(data)} bytes exceeds the limit of {limits.max_bytes}"
        )
    prolog = _prolog(data)
    if b"<!DOCTYPE" in prolog:
        line = prolog[: prolog.index(b"<!DOCTYPE")].count(b"\n") + 1  # the CEB900 names it
        raise XmlInputError("doctype", "a DOCTYPE or entity declaration is not allowed", line)
    data = _transcoded(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlInputError("syntax", f"not well-formed XML: {exc.msg}", exc.lineno or 0) from exc
    except (etree.LxmlError, ValueError) as exc:
        raise XmlInputError("syntax", f"not well-formed XML: {exc}") from exc
    _check_tree(root, limits)
    return root


def parse_or_error(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element | XmlInputError:
    """Like `parse`, with the refusal returned as a value."""
    try:
        return parse(data, limits)
    except XmlInputError as error:
        return error


def _transcoded(data: bytes) -> bytes:
    """UTF-8 bytes for input declared as GB18030/GBK/GB2312; any other input unchanged."""
    body = data.removeprefix(_UTF8_BOM)
    match = _DECLARATION.match(body[:512])
    if not match or match[1].decode("ascii").lower() not in _CHINESE_ENCODINGS:
        return data
    try:
        text = body.decode("gb18030")  # a superset of GBK and GB2312
    except UnicodeDecodeError as exc:
        raise XmlInputError(
            "encoding", f"input does not decode as {match[1].decode()}: {exc.reason}"
        ) from exc
    start, end = match.span(1)  # the declaration is ASCII: byte offsets are character offsets
    return (text[:start] + "UTF-8" + text[end:]).encode("utf-8")


def _prolog(data: bytes) -> bytes:
    """The bytes before the root start tag, where a DOCTYPE would have to stand."""
    match = _FIRST_ELEMENT.search(data)
    return data[: match.start()] if match else data


def _check_tree(root: etree._Element, limits: Limits) -> None:
    """Refuse what the parser let through: a DOCTYPE in a non-ASCII-compatible encoding, depth."""
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlInputError("doctype", "a DOCTYPE or entity declaration is not allowed")
    too_deep = _deeper_than(limits.max_depth)(root)
    if too_deep:
        line = too_deep[0].sourceline or 0
        raise XmlInputError("too-deep", f"elements nested deeper than {limits.max_depth}", line)


@functools.lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    """The elements below `depth` levels (the root is level 1): one XPath evaluated in libxml2,
    ten times faster than walking the tree in Python (which cost more than the parse itself)."""
    return etree.XPath("/*" * (depth + 1))

"""Text ↔ value for each `ValueKind`: the spec's lexical forms, nothing looser.

Decimals follow `xs:decimal` (no exponent, no NaN) and are written back without an exponent and
without losing a digit (`Decimal('1E+2')` → `100`). Times are China Standard Time: an aware
datetime in any zone is converted on the way out, a naive one is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from declarations.codec.value_kinds import ValueKind
from declarations.domain.messages import CHINA_STANDARD_TIME

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_DIGITS = {ValueKind.DATETIME: 14, ValueKind.TIMESTAMP: 17, ValueKind.DATE: 8}
_TEXT_SPECIALS = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _decimal(text: str) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{text!r} is not a decimal number")
    return Decimal(text)


def _integer(text: str) -> int:
    if _INTEGER.fullmatch(text):
        return int(text)
    number = _decimal(text)
    if number != number.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number")
    return int(number)


def _time(text: str, kind: ValueKind) -> date:
    if len(text) != _DIGITS[kind] or not text.isdigit() or not text.isascii():
        raise ValueError(f"{text!r} is not a {_DIGITS[kind]}-digit time")
    year, month, day = int(text[0:4]), int(text[4:6]), int(text[6:8])
    if kind is ValueKind.DATE:
        return date(year, month, day)
    hour, minute, second = int(text[8:10]), int(text[10:12]), int(text[12:14])
    micro = int(text[14:17]) * 1000 if kind is ValueKind.TIMESTAMP else 0
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=CHINA_STANDARD_TIME)


def decode_value(text: str, kind: ValueKind) -> Any:
    """The value of a non-empty element text (`ValueError` when the text is not of its kind)."""
    if kind is ValueKind.TEXT:
        return text
    text = text.strip()
    if kind is ValueKind.DECIMAL:
        return _decimal(text)
    if kind is ValueKind.INT:
        return _integer(text)
    return _time(text, kind)


def escape_text(text: str) -> str:
    """Element text, escaped; `ValueError` for characters XML cannot carry."""
    if not _TEXT_SPECIALS.search(text):
        return text
    if _INVALID_XML.search(text):
        raise ValueError(f"{text!r} holds characters XML cannot carry")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attribute(text: str) -> str:
    """Attribute text, escaped like element text plus quotes."""
    return escape_text(text).replace('"', "&quot;")


def _encode_text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError(f"expected text, got {type(value).__name__}")
    return escape_text(value)


def _encode_decimal(value: Any) -> str:
    if type(value) is int:
        return str(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"expected a finite Decimal, got {value!r}")
    return format(value, "f")


def _encode_int(value: Any) -> str:
    if type(value) is not int:
        raise TypeError(f"expected int, got {type(value).__name__}")
    return str(value)


def _china_time(value: Any) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise TypeError(f"expected a timezone-aware datetime, got {value!r}")
    return value.astimezone(CHINA_STANDARD_TIME)


def _encode_datetime(value: Any) -> str:
    t = _china_time(value)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}{t.second:02d}"


def _encode_timestamp(value: Any) -> str:
    return f"{_encode_datetime(value)}{_china_time(value).microsecond // 1000:03d}"


def _encode_date(value: Any) -> str:
    if type(value) is not date:
        raise TypeError(f"expected a date, got {value!r}")
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


ENCODERS: dict[ValueKind, Callable[[Any], str]] = {
    ValueKind.TEXT: _encode_text,
    ValueKind.DECIMAL: _encode_decimal,
    ValueKind.INT: _encode_int,
    ValueKind.DATETIME: _encode_datetime,
    ValueKind.TIMESTAMP: _encode_timestamp,
    ValueKind.DATE: _encode_date,
}

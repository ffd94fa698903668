"""Which Python type each spec field becomes, decided once from its notation and name.

The spec writes every time as text (`C14` = `YYYYMMDDhhmmss`, `C17` = `YYYYMMDDhhmmssSSS`,
`C8` = `YYYYMMDD`); the records want real times, so the few time fields are named here. Numbers
follow the notation: `N19,5` is money or a quantity (`Decimal`); `int`, `N9`, `N5`, `N4` are
counters (`int`), whatever kind the definition gives `N9` today.
"""

from __future__ import annotations

from enum import Enum

from schemas.definition.model import Field, Kind


class ValueKind(Enum):
    TEXT = "text"
    DECIMAL = "decimal"
    INT = "int"
    DATETIME = "datetime"  # YYYYMMDDhhmmss, China Standard Time
    TIMESTAMP = "timestamp"  # YYYYMMDDhhmmssSSS, China Standard Time
    DATE = "date"  # YYYYMMDD

    @property
    def python_type(self) -> str:
        """The annotation the record generator writes for this kind."""
        return _PYTHON_TYPES[self]


_PYTHON_TYPES = {
    ValueKind.TEXT: "str",
    ValueKind.DECIMAL: "Decimal",
    ValueKind.INT: "int",
    ValueKind.DATETIME: "datetime",
    ValueKind.TIMESTAMP: "datetime",
    ValueKind.DATE: "date",
}
_TIME_FIELDS = {
    "C14": ValueKind.DATETIME,
    "C17": ValueKind.TIMESTAMP,
    "C8": ValueKind.DATE,
}
_NAMED_TIMES = frozenset(
    {
        "appTime",
        "payTime",
        "logisticsTime",
        "leaveTime",
        "startTime",
        "endTime",
        "accountingDate",
        "returnTime",
        "opDate",
        "declTime",
        "ieDate",
    }
)


def value_kind(field: Field) -> ValueKind:
    """The Python-side kind of one field."""
    if field.name in _NAMED_TIMES and field.format in _TIME_FIELDS:
        return _TIME_FIELDS[field.format]
    facets = field.facets
    if facets.kind is Kind.INT:
        return ValueKind.INT
    if facets.kind is Kind.DECIMAL:
        return ValueKind.INT if facets.fraction_digits == 0 else ValueKind.DECIMAL
    return ValueKind.TEXT

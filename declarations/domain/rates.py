"""The operator's HS-code tables: tax rates per HS prefix, and the positive list of importable goods.

Both are CSV text the shell reads (defaults under `declarations/domain/data/`, replaceable) and
hands to `load_rates` / `load_positive_list`; the cores only see the resulting values. Lines
starting with `#` are comments. A bad table is an invalid request (`RateTableError`, naming the
line), never a silent default.

Rate lookup: the 10-digit gcode, then its 8-, 6-, 4- and 2-digit prefixes, then the `default` row
(VAT 13%, no consumption tax, when the table has none).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from declarations.domain.values import value

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_RATES_FILE = DATA_DIR / "hs_rates.csv"
DEFAULT_POSITIVE_LIST_FILE = DATA_DIR / "positive_list.csv"
PREFIX_LENGTHS = (10, 8, 6, 4, 2)
Answer = TypeVar("Answer")
REMEMBERED_CODES = 65_536  # answers kept per table; a 10-digit code is sender-chosen, so bounded


class RateTableError(ValueError):
    """An operator table that cannot be read; `line` is the 1-based line of the CSV text."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@value
class Rate:
    """Statutory rates as fractions; `duty` counts only when full rates apply (§4.3)."""

    vat: Decimal
    consumption: Decimal = Decimal(0)
    duty: Decimal = Decimal(0)


DEFAULT_RATE = Rate(vat=Decimal("0.13"))


@value
class RateTable:
    by_prefix: Mapping[str, Rate] = field(default_factory=lambda: MappingProxyType({}))
    default: Rate = DEFAULT_RATE
    # gcode -> its rate, so the prefix search runs once per HS code rather than once per line
    _found: dict[str, Rate] = field(default_factory=dict, init=False, repr=False, compare=False)

    def rate(self, gcode: str) -> Rate:
        """The rate of the longest prefix of `gcode` in the table, else the default."""
        found = self._found.get(gcode)
        if found is None:
            found = _remember(self._found, gcode, self._search(gcode))
        return found

    def _search(self, gcode: str) -> Rate:
        for length in PREFIX_LENGTHS:
            found = self.by_prefix.get(gcode[:length])
            if found is not None:
                return found
        return self.default


@value
class PositiveList:
    """HS prefixes of the 跨境电子商务零售进口商品清单: a gcode is allowed when one is its prefix."""

    prefixes: frozenset[str]
    _answers: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def allows(self, gcode: str) -> bool:
        allowed = self._answers.get(gcode)
        if allowed is None:
            found = any(gcode[:length] in self.prefixes for length in PREFIX_LENGTHS)
            allowed = _remember(self._answers, gcode, found)
        return allowed


def _remember(answers: dict[str, Answer], gcode: str, answer: Answer) -> Answer:
    if len(answers) >= REMEMBERED_CODES:
        answers.clear()
    answers[gcode] = answer
    return answer


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and line[0] != "#"]
    if not numbered:
        raise RateTableError("no header row", 1)
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in numbered)))
    for (number, _), row in zip(numbered[1:], reader, strict=True):
        yield number, {key.strip(): (value or "").strip() for key, value in row.items() if key}


def _prefix(value: str, line: int) -> str:
    if not value.isdigit() or len(value) not in PREFIX_LENGTHS:
        raise RateTableError(f"hs_prefix {value!r} is not 2, 4, 6, 8 or 10 digits", line)
    return value


def _fraction(row: dict[str, str], column: str, line: int) -> Decimal:
    try:
        value = Decimal(row.get(column) or "0")
    except InvalidOperation:
        raise RateTableError(f"{column} {row.get(column)!r} is not a number", line) from None
    if not Decimal(0) <= value < Decimal(1):
        raise RateTableError(f"{column} {value} is not a fraction in [0, 1)", line)
    return value


def load_rates(text: str) -> RateTable:
    """Columns `hs_prefix,vat,consumption,duty[,description]`; the row `default` sets the fallback."""
    by_prefix: dict[str, Rate] = {}
    default = DEFAULT_RATE
    for line, row in _rows(text):
        fractions = (_fraction(row, column, line) for column in ("vat", "consumption", "duty"))
        rate = Rate(*fractions)
        if row.get("hs_prefix") == "default":
            default = rate
        else:
            by_prefix[_prefix(row.get("hs_prefix", ""), line)] = rate
    return RateTable(MappingProxyType(by_prefix), default)


def load_positive_list(text: str) -> PositiveList:
    """Column `hs_prefix` (any other columns are descriptions)."""
    return PositiveList(frozenset(_prefix(row.get("hs_prefix", ""), line) for line, row in _rows(text)))

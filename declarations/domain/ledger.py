"""The purchase-limit ledger: per buyer and calendar year (China time), what CBEC imports used (§4.3).

Limits (财关税〔2018〕49号): ≤ 5,000 CNY per transaction, ≤ 26,000 CNY per person per calendar year.
A reservation is keyed by the list (`list_id`), so a redelivered list is counted once, and a list
reserved again with another amount (a corrected resubmission) replaces its earlier amount. A
refusal leaves the ledger as it was. `release` restores the quota after a cancellation, a return
or a rejection, and `give_back` part of it after a partial return; an unknown list changes nothing.

`single_item=True` lets a value above the single limit through (the indivisible single item,
taxed at full rates by the review), still counted against the annual limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from declarations.domain.matching_text import shown
from declarations.domain.messages import CHINA_STANDARD_TIME
from declarations.domain.values import value, with_item

SINGLE_LIMIT_EXCEEDED = -621005
ANNUAL_LIMIT_EXCEEDED = -621018
ZERO = Decimal(0)


@value
class Limits:
    single: Decimal = Decimal(5000)
    annual: Decimal = Decimal(26000)


STATUTORY_LIMITS = Limits()


@value
class Entry:
    buyer: str
    year: int
    amount: Decimal


@value
class Ledger:
    entries: Mapping[str, Entry] = field(default_factory=lambda: MappingProxyType({}))
    totals: Mapping[tuple[str, int], Decimal] = field(default_factory=lambda: MappingProxyType({}))

    def used(self, buyer: str, year: int) -> Decimal:
        return self.totals.get((buyer, year), ZERO)


@value
class Accepted:
    used: Decimal  # the buyer's total for the year, this list included
    remaining: Decimal


@value
class Refused:
    code: int
    info: str


def year_of(now: datetime) -> int:
    """The calendar year in China: 2025-01-01 00:30 CST counts to 2025, though UTC is still in 2024."""
    return now.astimezone(CHINA_STANDARD_TIME).year


def release(ledger: Ledger, list_id: str) -> Ledger:
    """Give the list's amount back to its buyer's year (cancellation, return, rejection)."""
    entry = ledger.entries.get(list_id)
    if entry is None:
        return ledger
    entries = {key: value for key, value in ledger.entries.items() if key != list_id}
    totals = dict(ledger.totals)
    totals[(entry.buyer, entry.year)] = totals[(entry.buyer, entry.year)] - entry.amount
    return Ledger(MappingProxyType(entries), MappingProxyType(totals))


def give_back(ledger: Ledger, list_id: str, amount: Decimal) -> Ledger:
    """Give part of the list's amount back to its buyer's year (a return of some of its goods);
    all of it gives the entry up, as `release` does. An unknown list changes nothing."""
    entry = ledger.entries.get(list_id)
    if entry is None:
        return ledger
    if amount >= entry.amount:
        return release(ledger, list_id)
    entries = with_item(ledger.entries, list_id, Entry(entry.buyer, entry.year, entry.amount - amount))
    totals = with_item(
        ledger.totals, (entry.buyer, entry.year), ledger.totals[(entry.buyer, entry.year)] - amount
    )
    return Ledger(entries, totals)


def reserve(
    ledger: Ledger,
    list_id: str,
    buyer: str,
    amount: Decimal,
    now: datetime,
    *,
    limits: Limits = STATUTORY_LIMITS,
    single_item: bool = False,
) -> tuple[Ledger, Accepted | Refused]:
    """Count `amount` against the buyer's year, or refuse with -621005 / -621018."""
    year = year_of(now)
    existing = ledger.entries.get(list_id)
    if existing is not None and (existing.buyer, existing.year, existing.amount) == (buyer, year, amount):
        used = ledger.used(buyer, year)
        return ledger, Accepted(used, limits.annual - used)
    if amount > limits.single and not single_item:
        info = f"订购人[{buyer}]本次购买金额[{shown(amount)}]超过单次交易限值[{shown(limits.single)}]"
        return ledger, Refused(SINGLE_LIMIT_EXCEEDED, info)
    base = ledger if existing is None else release(ledger, list_id)
    used = base.used(buyer, year)
    if used + amount > limits.annual:
        info = (
            f"清单[{list_id}]购买人[{buyer}]已用购买额度为[{shown(used)}]，"
            f"本次购买[{shown(amount)}]将超过年度限额[{shown(limits.annual)}]"
        )
        return ledger, Refused(ANNUAL_LIMIT_EXCEEDED, info)
    total = used + amount
    ledger = Ledger(
        with_item(base.entries, list_id, Entry(buyer, year, amount)),
        with_item(base.totals, (buyer, year), total),
    )
    return ledger, Accepted(total, limits.annual - total)

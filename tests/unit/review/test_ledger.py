"""The purchase-limit ledger: 5,000 per transaction, 26,000 per buyer and calendar year (China time)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from declarations.domain.ledger import Accepted, Ledger, Limits, Refused, release, reserve
from declarations.domain.messages import CHINA_STANDARD_TIME

BUYER = "130681199001010011"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=CHINA_STANDARD_TIME)
D = Decimal


def reserved(amounts: list[str], now: datetime = NOW) -> Ledger:
    ledger = Ledger()
    for n, amount in enumerate(amounts):
        ledger, answer = reserve(ledger, f"L{n}", BUYER, D(amount), now)
        assert isinstance(answer, Accepted)
    return ledger


def test_a_purchase_within_the_limits_is_counted() -> None:
    ledger, answer = reserve(Ledger(), "L1", BUYER, D("3000"), NOW)
    assert answer == Accepted(used=D(3000), remaining=D(23000))
    assert ledger.used(BUYER, 2024) == D(3000)


def test_a_redelivered_list_is_not_counted_twice() -> None:
    ledger, _ = reserve(Ledger(), "L1", BUYER, D("3000"), NOW)
    again, answer = reserve(ledger, "L1", BUYER, D("3000"), NOW)
    assert again is ledger
    assert answer == Accepted(used=D(3000), remaining=D(23000))


def test_a_list_reserved_again_with_another_amount_replaces_its_amount() -> None:
    ledger, _ = reserve(Ledger(), "L1", BUYER, D("3000"), NOW)
    ledger, _ = reserve(ledger, "L1", BUYER, D("2000"), NOW)
    assert ledger.used(BUYER, 2024) == D(2000)


def test_above_the_single_limit_is_refused_with_621005() -> None:
    ledger, answer = reserve(Ledger(), "L1", BUYER, D("5000.01"), NOW)
    assert isinstance(answer, Refused)
    assert answer.code == -621005
    assert "本次购买金额[5000.01]超过单次交易限值[5000.00]" in answer.info
    assert ledger == Ledger()


def test_exactly_the_single_limit_is_allowed() -> None:
    assert isinstance(reserve(Ledger(), "L1", BUYER, D("5000"), NOW)[1], Accepted)


def test_a_single_indivisible_item_may_exceed_the_single_limit_but_counts_to_the_year() -> None:
    _ledger, answer = reserve(Ledger(), "L1", BUYER, D("8000"), NOW, single_item=True)
    assert answer == Accepted(used=D(8000), remaining=D(18000))


def test_exceeding_the_annual_limit_is_refused_with_621018_and_changes_nothing() -> None:
    ledger = reserved(["5000"] * 5)
    after, answer = reserve(ledger, "L9", BUYER, D("1000.01"), NOW)
    assert isinstance(answer, Refused)
    assert answer.code == -621018
    assert "已用购买额度为[25000.00]，本次购买[1000.01]将超过年度限额[26000.00]" in answer.info
    assert after is ledger


def test_the_year_is_the_calendar_year_in_china() -> None:
    ledger = reserved(["5000"] * 5, now=datetime(2024, 12, 31, 23, 59, tzinfo=CHINA_STANDARD_TIME))
    new_year_in_china = datetime(2024, 12, 31, 16, 30, tzinfo=UTC)  # 2025-01-01 00:30 CST
    _, answer = reserve(ledger, "L9", BUYER, D("5000"), new_year_in_china)
    assert answer == Accepted(used=D(5000), remaining=D(21000))


def test_release_restores_the_quota_and_is_idempotent() -> None:
    ledger = reserved(["5000"] * 5)
    ledger = release(release(ledger, "L0"), "L0")
    assert ledger.used(BUYER, 2024) == D(20000)
    assert isinstance(reserve(ledger, "L9", BUYER, D("5000"), NOW)[1], Accepted)
    assert release(ledger, "unknown") is ledger


def test_limits_are_configurable() -> None:
    _, answer = reserve(Ledger(), "L1", BUYER, D("2500"), NOW, limits=Limits(single=D(2000), annual=D(20000)))
    assert isinstance(answer, Refused)
    assert answer.code == -621005


def test_buyers_are_counted_apart() -> None:
    ledger = reserved(["5000"] * 5)
    assert isinstance(reserve(ledger, "X", "other-buyer", D("5000"), NOW)[1], Accepted)

"""跨境电子商务综合税 (domain §4.3): worked examples, rounding, the dutiable value, full rates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from declarations.domain.rates import (
    DEFAULT_POSITIVE_LIST_FILE,
    DEFAULT_RATES_FILE,
    Rate,
    RateTable,
    RateTableError,
    load_positive_list,
    load_rates,
)
from declarations.domain.tax import assess, dutiable_values, money, taxes
from tests.unit.codec.builders import make_inventory_head, make_inventory_line, make_inventory_list

D = Decimal


def test_a_3000_cny_item_at_13_percent_vat_pays_273() -> None:
    assert taxes(D(3000), Rate(vat=D("0.13"))) == (D("0.00"), D("273.00"), D("0.00"))


def test_a_1000_cny_wine_at_10_percent_consumption_and_13_percent_vat_pays_178_89() -> None:
    duty, vat, consumption = taxes(D(1000), Rate(vat=D("0.13"), consumption=D("0.10")))
    assert (consumption, vat, duty + vat + consumption) == (D("77.78"), D("101.11"), D("178.89"))


def test_taxes_round_half_up_to_the_cent() -> None:
    # 1.50 × 10% × 70% = 0.105: half up gives 0.11 where banker's rounding would give 0.10
    assert taxes(D("1.5"), Rate(vat=D("0.10")))[1] == D("0.11")


def test_full_rates_charge_duty_and_the_whole_vat() -> None:
    duty, vat, consumption = taxes(D(6000), Rate(vat=D("0.13"), duty=D("0.10")), full_rate=True)
    assert (duty, vat, consumption) == (D("600.00"), D("858.00"), D("0.00"))


def test_dutiable_value_adds_freight_and_insurance_but_not_the_discount() -> None:
    inventory = make_inventory_list(head=make_inventory_head(freight=D(20), insured_fee=D(5)))
    assert dutiable_values(inventory) == (D(326),)


def test_freight_is_spread_over_lines_and_the_cents_add_up() -> None:
    lines = tuple(make_inventory_line(gnum=n, total_price=D(100), qty=D(1), price=D(100)) for n in (1, 2, 3))
    inventory = make_inventory_list(head=make_inventory_head(freight=D(10), insured_fee=D(0)), lines=lines)
    values = dutiable_values(inventory)
    assert values == (D("103.33"), D("103.33"), D("103.34"))
    assert sum(values) == D(310)


def test_the_assessment_totals_are_the_sums_of_its_lines() -> None:
    lines = (make_inventory_line(gcode="2204210000"), make_inventory_line(gnum=2, gcode="0402290000"))
    assessment = assess(make_inventory_list(lines=lines), load_rates(DEFAULT_RATES_FILE.read_text("utf-8")))
    assert assessment.consumption_tax == assessment.lines[0].consumption_tax > 0
    assert assessment.total == sum(
        t.value_added_tax + t.consumption_tax + t.customs_tax for t in assessment.lines
    )


def test_rates_fall_back_from_10_to_8_6_4_2_digits_then_the_default() -> None:
    table = load_rates("hs_prefix,vat,consumption,duty\n22,0.13,0.01,0\n2204,0.13,0.1,0\n220421,0.09,0,0\n")
    assert table.rate("2204210000").vat == D("0.09")
    assert table.rate("2204290000").consumption == D("0.1")
    assert table.rate("2208000000").consumption == D("0.01")
    assert table.rate("8509000000") == RateTable().default == Rate(vat=D("0.13"))


def test_the_default_row_replaces_the_built_in_default() -> None:
    assert load_rates("hs_prefix,vat,consumption,duty\ndefault,0.09,0,0\n").rate("01").vat == D("0.09")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("123,0.13,0,0", "line 3: hs_prefix '123' is not 2, 4, 6, 8 or 10 digits"),
        ("2204,13,0,0", "line 3: vat 13 is not a fraction in [0, 1)"),
        ("2204,x,0,0", "line 3: vat 'x' is not a number"),
    ],
)
def test_a_bad_rate_table_names_the_line(row: str, message: str) -> None:
    with pytest.raises(
        RateTableError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
    ):
        load_rates(f"# comment\nhs_prefix,vat,consumption,duty\n{row}\n")


def test_the_default_tables_load() -> None:
    assert load_rates(DEFAULT_RATES_FILE.read_text("utf-8")).rate("2204210000").consumption == D("0.10")
    positive = load_positive_list(DEFAULT_POSITIVE_LIST_FILE.read_text("utf-8"))
    assert positive.allows("0402290000")
    assert not positive.allows("9301000000")


def _general_formula(price: Decimal, rate: Rate) -> tuple[Decimal, Decimal, Decimal]:
    """§4.3 within the limits, term by term: the reference that the short path for goods without
    consumption tax must agree with, digit for digit and exponent included."""
    consumption = price / (1 - rate.consumption) * rate.consumption
    vat = (price + consumption) * rate.vat
    return tuple(money(tax * D("0.7")) for tax in (D(0), vat, consumption))  # type: ignore[return-value]


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    vat=st.decimals(min_value=0, max_value=D("0.9999"), places=4),
)
def test_goods_without_consumption_tax_get_what_the_general_formula_gives(cents: int, vat: Decimal) -> None:
    price, rate = D(cents).scaleb(-2), Rate(vat=vat)
    got = taxes(price, rate)
    assert got == _general_formula(price, rate)
    assert [t.as_tuple().exponent for t in got] == [-2, -2, -2]


def test_a_rate_table_answers_each_code_from_its_prefixes_however_many_codes_it_has_seen() -> None:
    table = RateTable({"2204": Rate(vat=D("0.13"), consumption=D("0.10"))})
    for n in range(70_000):  # past the number of answers a table keeps
        assert table.rate(f"22040000{n % 100:02d}").consumption == D("0.10")
        assert table.rate(f"{n:010d}") == table.default

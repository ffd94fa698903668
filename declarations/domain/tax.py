"""跨境电子商务综合税: the tax of one import list (domain §4.3), and its CEB816 tax bill.

- Dutiable value (完税价格) of the list = Σ line totalPrice + freight + insuredFee. The non-cash
  discount is not deducted (customs guidance: coupons and points are part of the price). Freight
  and insurance are spread over the lines in proportion to totalPrice, in cents, the rounding
  remainder on the last line, so that the lines' taxPrice add up to the list's value exactly.
- Within the limits: duty 0; consumption = P/(1−c)·c and VAT = (P + consumption)·v, each × 0.7.
- Full rates (a single item above the single-transaction limit, when the review policy allows it):
  duty = P·d, consumption = (P + duty)/(1−c)·c, VAT = (P + duty + consumption)·v, nothing reduced.
- Rounding: each tax of each line is computed exactly (Decimal, 28 digits) and quantised once to
  0.01 CNY with ROUND_HALF_UP, the customs rounding of money; the bill's head is the sum of its lines.

Worked examples (§4.3): 3,000 CNY at 13% VAT → 273.00; 1,000 CNY wine (10% consumption, 13% VAT)
→ consumption 77.78 + VAT 101.11 = 178.89.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from declarations.domain.customs_documents import TaxBill, TaxBillHead, TaxBillLine, TaxBillStatus
from declarations.domain.import_lists import InventoryList
from declarations.domain.rates import Rate, RateTable
from declarations.domain.values import value

CENT = Decimal("0.01")
CBEC_SHARE = Decimal("0.7")  # CBEC imports pay 70% of the statutory VAT and consumption tax
ZERO = Decimal(0)
NO_TAX = Decimal("0.00")
BILL_GENERATED, BILL_VOID = "1", "3"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@value
class TaxAssessment:
    """The tax of one list: its CEB816 lines (`TaxListRd`) and their sums, which the bill's head carries."""

    lines: tuple[TaxBillLine, ...]
    full_rate: bool
    customs_tax: Decimal
    value_added_tax: Decimal
    consumption_tax: Decimal

    @property
    def dutiable_value(self) -> Decimal:
        return sum((line.tax_price for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.customs_tax + self.value_added_tax + self.consumption_tax


def taxes(price: Decimal, rate: Rate, full_rate: bool = False) -> tuple[Decimal, Decimal, Decimal]:
    """(duty, VAT, consumption tax) on a dutiable value, each quantised to the cent."""
    if not full_rate and not rate.consumption:
        # most goods: the general formula below reduces to P·v·0.7, products that are exact
        return NO_TAX, money(price * rate.vat * CBEC_SHARE), NO_TAX
    duty = price * rate.duty if full_rate else ZERO
    consumption = (price + duty) / (1 - rate.consumption) * rate.consumption
    vat = (price + duty + consumption) * rate.vat
    share = Decimal(1) if full_rate else CBEC_SHARE
    return money(duty), money(vat * share), money(consumption * share)


def dutiable_values(inventory: InventoryList) -> tuple[Decimal, ...]:
    """Each line's totalPrice plus its share of freight and insurance (see the module docstring)."""
    lines = inventory.lines
    extra = inventory.head.freight + inventory.head.insured_fee
    if len(lines) == 1 and lines[0].total_price:  # most parcels: the one line takes all of it
        return (lines[0].total_price + extra,)
    goods = sum([line.total_price for line in lines], ZERO)
    if not extra or not goods:
        return tuple([line.total_price for line in lines])
    shares = [money(extra * line.total_price / goods) for line in lines[:-1]]
    shares.append(extra - sum(shares, ZERO))
    return tuple([line.total_price + share for line, share in zip(lines, shares, strict=True)])


def assess(
    inventory: InventoryList,
    rates: RateTable,
    full_rate: bool = False,
    prices: tuple[Decimal, ...] | None = None,
) -> TaxAssessment:
    """The comprehensive tax of a list, line by line (`prices`: its `dutiable_values`, if known)."""
    prices = prices or dutiable_values(inventory)
    lines = []
    duties = vats = consumptions = ZERO
    for line, price in zip(inventory.lines, prices, strict=True):
        duty, vat, consumption = taxes(price, rates.rate(line.gcode), full_rate)
        lines.append(
            TaxBillLine(
                gnum=line.gnum,
                gcode=line.gcode,
                tax_price=price,
                customs_tax=duty,
                value_added_tax=vat,
                consumption_tax=consumption,
            )
        )
        duties, vats, consumptions = duties + duty, vats + vat, consumptions + consumption
    return TaxAssessment(tuple(lines), full_rate, duties, vats, consumptions)


def tax_bill(inventory: InventoryList, assessment: TaxAssessment, invt_no: str, now: datetime) -> TaxBill:
    """The CEB816 electronic tax bill (status 1, generated); taxNo is the invtNo plus `01`."""
    head = inventory.head
    bill_head = TaxBillHead(
        guid=bill_guid(invt_no, "0816"),
        return_time=now,
        invt_no=invt_no,
        tax_no=tax_number(invt_no),
        customs_tax=assessment.customs_tax,
        value_added_tax=assessment.value_added_tax,
        consumption_tax=assessment.consumption_tax,
        status=BILL_GENERATED,
        assure_code=head.assure_code,
        ebc_code=head.ebc_code,
        logistics_code=head.logistics_code,
        agent_code=head.agent_code,
        customs_code=head.customs_code,
    )
    return TaxBill(head=bill_head, lines=assessment.lines)


def void_bill(invt_no: str, now: datetime) -> TaxBillStatus:
    """CEB818 status 3 (void) for the list's tax bill: a cancellation, or a return of everything."""
    return TaxBillStatus(
        guid=bill_guid(invt_no, "0818"),
        return_time=now,
        invt_no=invt_no,
        tax_no=tax_number(invt_no),
        status=BILL_VOID,
    )


def tax_number(invt_no: str) -> str:
    return f"{invt_no}01"


def bill_guid(invt_no: str, message: str) -> str:
    """A deterministic guid in GUID shape (8-4-4-4-12) for the list's CEB816 (`message` "0816") or
    CEB818 ("0818"), so that a replay yields the same message.

    Built from the invtNo's digits (customs code, year, serial) rather than hashed: it is unique
    because the invtNo is, and costs nothing on the hot path.
    """
    return f"{invt_no[:8]}-{message}-4000-8000-{invt_no[9:].zfill(12)}"

"""清单审核: the review core, one `ReviewState` per buyer (buyerIdNumber), `review` a pure function.

A matched import list (`MatchedList`: the list and the customs serial the shell assigned) goes:

1. receipt 120 (海关入库);
2. positive list: every line's gcode must start with an allowed HS prefix, else 100;
3. limits through the buyer's `Ledger` (-621005 single, -621018 annual); a single item above the
   single limit passes at full rates when `ReviewPolicy.full_rate_single_item` (the default; the
   exact "一件商品" condition, one line with qty 1, is unconfirmed, §4.3);
4. tax assessed (`tax.assess`);
5. receipt 399 (审结) with the final invtNo = customsCode(4) + year(4, China time) + `I` + serial(9);
6. the customs decision (`CustomsDecision`, from `ReviewPolicy.decide`, default release):
   optional 300 and 500, then 800 → 899 (released: `TaxAssessed` + `ListReleased`), or 501–503/599
   (detained), 700 (return shipment) or 100 (rejected) — these emit `ListRejected`, and 100/700
   give the quota back (detention keeps it until the goods' fate is known).

Statuses of one list follow `RANK` strictly (120 < 399 < 300 < 500 < outcome < 899): the
lifecycle order, not the numbers. A redelivered list (same guid) changes nothing; a list id seen
before is reviewed again only if its last answer was a rejection before 399 (a corrected
resubmission); after a 399 another version is refused -621004.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field, fields
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from declarations.domain.events import (
    ListRejected,
    ListReleased,
    ListReviewed,
    ReceiptDue,
    ReviewEvent,
    TaxAssessed,
)
from declarations.domain.import_lists import InventoryList, InventoryListLine
from declarations.domain.ledger import STATUTORY_LIMITS, Accepted, Ledger, Limits, release, reserve, year_of
from declarations.domain.rates import PositiveList, RateTable
from declarations.domain.tax import ZERO, TaxAssessment, assess, dutiable_values, tax_bill
from declarations.domain.values import value, with_item

RANK: dict[int, int] = {
    120: 1,
    399: 2,
    300: 3,
    500: 4,
    800: 5,
    501: 5,
    502: 5,
    503: 5,
    599: 5,
    700: 5,
    100: 5,
}
RANK[899] = 6
ALREADY_DECLARED = -621004  # a new list for an order whose list customs concluded (§4.5)
OUTCOMES = frozenset({800, 501, 502, 503, 599, 700, 100})
GIVES_QUOTA_BACK = frozenset({100, 700})
STATUS_TEXT = {
    120: "逻辑校验通过",
    399: "海关审结",
    300: "人工审核",
    500: "查验",
    800: "放行",
    899: "结关",
    501: "扣留移送通关",
    502: "扣留移送缉私",
    503: "扣留移送法规",
    599: "其它扣留",
    700: "退运",
    100: "海关退单",
}


@value
class CustomsDecision:
    """What customs does after 399: `holds` (300 and/or 500, in that order), then `outcome`."""

    outcome: int = 800
    holds: tuple[int, ...] = ()
    info: str = ""
    # (status, info) of each receipt after 399, worked out once: the review answers it per list
    answers: tuple[tuple[int, str], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES or self.holds not in ((), (300,), (500,), (300, 500)):
            raise ValueError(f"not a customs decision: holds {self.holds}, outcome {self.outcome}")
        texts = [
            (status, (status == self.outcome and self.info) or STATUS_TEXT[status])
            for status in self.statuses
        ]
        object.__setattr__(self, "answers", tuple(texts))

    @property
    def statuses(self) -> tuple[int, ...]:
        return (*self.holds, self.outcome, *((899,) if self.outcome == 800 else ()))


RELEASE = CustomsDecision()
STORED = ReceiptDue(120, STATUS_TEXT[120])


def release_all(_: InventoryList) -> CustomsDecision:
    return RELEASE


@value
class ReviewPolicy:
    rates: RateTable
    positive_list: PositiveList
    decide: Callable[[InventoryList], CustomsDecision] = release_all
    limits: Limits = STATUTORY_LIMITS
    full_rate_single_item: bool = True


@value
class MatchedList:
    """A list that passed matching, with the 9-digit customs serial the shell assigned to it."""

    inventory: InventoryList
    serial: int


# a released list: when, its lines and their dutiable values (less what returns gave back since)
Released = tuple[datetime, tuple[InventoryListLine, ...], tuple[Decimal, ...]]


@value
class Progress:
    """The last receipt of a list (by list id) and the guid of the version that got it;
    `released` what a return (CEB625, `returns`) may give back; `cancelled` once a cancellation
    (CEB623) of it succeeded (`cancellation`)."""

    guid: str
    status: int
    invt_no: str | None = None
    cancelled: bool = False
    released: Released | None = None

    def __setstate__(self, state: tuple[object, ...]) -> None:
        """A stage's stored state pickled before a field was added lacks it: it takes its default
        (the pickled state of a frozen slots dataclass is the tuple of its fields' values)."""
        specs = fields(self)
        values = (*state, *(spec.default for spec in specs[len(state) :]))
        for spec, stored in zip(specs, values, strict=True):
            object.__setattr__(self, spec.name, stored)


@value
class ReviewState:
    ledger: Ledger = Ledger()
    lists: Mapping[str, Progress] = field(default_factory=lambda: MappingProxyType({}))


def list_id(inventory: InventoryList) -> str:
    """The import list's business key (§4.5): ebcCode + orderNo."""
    return list_key(inventory.head.ebc_code, inventory.head.order_no)


def list_key(ebc_code: str, order_no: str) -> str:
    """The key of a list in `ReviewState.lists`, from what a list, a cancellation or a return names."""
    return f"{ebc_code}:{order_no}"


def invt_number(customs_code: str, now: datetime, serial: int) -> str:
    if not 0 <= serial <= 999_999_999:
        raise ValueError(f"customs serial {serial} does not fit 9 digits")
    return f"{customs_code}{year_of(now)}I{str(serial).zfill(9)}"  # zfill: a format spec costs 2x


def review(
    state: ReviewState, matched: MatchedList, now: datetime, policy: ReviewPolicy
) -> tuple[ReviewState, tuple[ReviewEvent, ...]]:
    """Review one matched list for its buyer: the receipts, the tax bill and the ledger entry."""
    inventory = matched.inventory
    key = list_id(inventory)
    seen = state.lists.get(key)
    if seen is not None and seen.guid == inventory.head.guid:
        return state, ()  # a redelivery
    if seen is not None and seen.invt_no is not None:  # customs concluded the list before this one
        return state, (ReceiptDue(ALREADY_DECLARED, f"清单已经申报过，请勿重复申报[invtNo={seen.invt_no}]"),)
    refusal = _off_list(inventory, policy.positive_list)
    if refusal is not None:
        return _rejected(state, inventory, 100, refusal)
    prices = dutiable_values(inventory)
    value = sum(prices, ZERO)
    full_rate = _full_rate(inventory, value, policy)
    buyer = inventory.head.buyer_id_number
    ledger, answer = reserve(
        state.ledger, key, buyer, value, now, limits=policy.limits, single_item=full_rate
    )
    if not isinstance(answer, Accepted):
        return _rejected(state, inventory, answer.code, answer.info)
    invt_no = invt_number(inventory.head.customs_code, now, matched.serial)
    decision = policy.decide(inventory)
    assessment = assess(inventory, policy.rates, full_rate, prices) if decision.outcome == 800 else None
    ledger, decided = _conclude(ledger, inventory, key, invt_no, decision, now=now, assessment=assessment)
    events = (STORED, ReceiptDue(399, STATUS_TEXT[399], invt_no), ListReviewed(key, invt_no), *decided)
    released = (now, inventory.lines, prices) if assessment is not None else None
    progress = Progress(inventory.head.guid, decision.answers[-1][0], invt_no, False, released)
    return ReviewState(ledger, with_progress(state.lists, key, progress)), events


def _conclude(
    ledger: Ledger,
    inventory: InventoryList,
    key: str,
    invt_no: str,
    decision: CustomsDecision,
    *,
    now: datetime,
    assessment: TaxAssessment | None,
) -> tuple[Ledger, tuple[ReviewEvent, ...]]:
    """After 399 (list `key`): the decision's receipts, then the tax bill and release, or the refusal."""
    receipts = _decided(decision, invt_no)
    if assessment is not None:
        bill = tax_bill(inventory, assessment, invt_no, now)
        return ledger, (*receipts, TaxAssessed(bill), ListReleased(key, invt_no))
    rejected = ListRejected(key, decision.outcome, decision.info or STATUS_TEXT[decision.outcome])
    ledger = release(ledger, key) if decision.outcome in GIVES_QUOTA_BACK else ledger
    return ledger, (*receipts, rejected)


def _decided(decision: CustomsDecision, invt_no: str) -> tuple[ReceiptDue, ...]:
    return tuple([ReceiptDue(status, info, invt_no) for status, info in decision.answers])


def _rejected(
    state: ReviewState, inventory: InventoryList, code: int, info: str
) -> tuple[ReviewState, tuple[ReviewEvent, ...]]:
    """Refused before 399: the list may come back corrected (no invtNo was given)."""
    key = list_id(inventory)
    events = (STORED, ReceiptDue(code, info), ListRejected(key, code, info))
    progress = Progress(inventory.head.guid, code)
    return ReviewState(state.ledger, with_progress(state.lists, key, progress)), events


def _off_list(inventory: InventoryList, positive_list: PositiveList) -> str | None:
    allows = positive_list.allows
    outside = [line for line in inventory.lines if not allows(line.gcode)]
    if not outside:
        return None
    named = "、".join(f"[gnum={line.gnum},gcode={line.gcode}]" for line in outside)
    return f"商品{named}不在《跨境电子商务零售进口商品清单》内"


def _full_rate(inventory: InventoryList, value: Decimal, policy: ReviewPolicy) -> bool:
    """The indivisible single item above the single limit: one line, quantity one."""
    lines = inventory.lines
    single_item = len(lines) == 1 and lines[0].qty == 1
    return policy.full_rate_single_item and single_item and value > policy.limits.single


def with_progress(lists: Mapping[str, Progress], key: str, progress: Progress) -> Mapping[str, Progress]:
    return with_item(lists, key, progress)

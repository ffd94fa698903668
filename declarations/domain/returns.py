"""退货申请 (CEB625): returning all or part of a released import list, in review's per-buyer state.

Domain §4.6 (海关总署公告2020年第45号): the enterprise may return all or some goods of a list within
30 days of its release; the tax is not levied on what comes back and the buyer's annual total is
restored. Each returned line names its list line (`gnum`) and a quantity no larger than what of
that line is still out. A list may be returned in several requests, each with its own copNo (the
gateway's business key of a return is agentCode + invtNo + copNo); a return is not modified or
deleted once processed (its goods are back). What a line gives back is its dutiable value in
proportion to the quantity, to the cent, and the rest of that line's value on its last return, so
that returning everything gives back the list's amount exactly. When nothing is left out, the tax bill is void
(CEB818, status 3). Answered 120 then 399, or refused with:

- -625003: no list with that ebcCode + orderNo and invtNo was released for this buyer;
- -625005: the list is in no state to take a return (not released, cancelled, all returned), or the
  return is a modification or deletion (appType 2/3) of one already processed;
- -625015: more than 30 days after its release;
- -625209: a returned line that is not a line of the list;
- -625014: a quantity not above 0, or larger than what of that line is still out.

-625209 is the spec's; the others are the ranges' codes by analogy with the cancellation's
(-623003/-623005) and the "limits" (-625014/-625015) of §4.7, unconfirmed. That the goods must
reach the supervised site within 45 days is not checked: nothing reports their arrival.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from declarations.domain.events import ReceiptDue, ReviewEvent, TaxVoided
from declarations.domain.import_lists import InventoryListLine, InventoryReturn
from declarations.domain.ledger import give_back
from declarations.domain.matching_text import shown
from declarations.domain.review import Progress, Released, ReviewState, list_key, with_progress
from declarations.domain.tax import ZERO, money, void_bill

NOT_FOUND, NOT_RETURNABLE, QUANTITY, TOO_LATE, NO_SUCH_LINE = -625003, -625005, -625014, -625015, -625209
WINDOW = timedelta(days=30)
Left = dict[int, tuple[InventoryListLine, Decimal]]  # gnum -> the line still out (its quantity), its value


def return_goods(
    state: ReviewState, request: InventoryReturn, now: datetime
) -> tuple[ReviewState, tuple[ReviewEvent, ...]]:
    """The buyer's state after the return `request`, and its receipts (and the voided bill)."""
    head = request.head
    key, named = list_key(head.ebc_code, head.order_no), f"[invtNo={head.invt_no}]"
    seen = state.lists.get(key)
    out = _still_out(request, seen, named, now)
    if isinstance(out, ReceiptDue):
        return state, (out,)
    assert seen is not None  # `_still_out` refuses a list it has not seen
    released_at, lines, values = out
    left: Left = {line.gnum: (line, value) for line, value in zip(lines, values, strict=True)}
    back = _take(left, request, named)
    if isinstance(back, ReceiptDue):
        return state, (back,)
    kept = [(line, value) for line, value in left.values() if line.qty > 0]
    still_out: Released = (released_at, tuple(line for line, _ in kept), tuple(value for _, value in kept))
    lists = with_progress(state.lists, key, replace(seen, released=still_out))
    after = ReviewState(give_back(state.ledger, key, back), lists)
    done = (ReceiptDue(120, "逻辑校验通过"), ReceiptDue(399, f"退货成功{named}", head.invt_no))
    if kept:
        return after, done
    return after, (*done, TaxVoided(seen.guid, void_bill(head.invt_no, now)))


def _still_out(
    request: InventoryReturn, seen: Progress | None, named: str, now: datetime
) -> Released | ReceiptDue:
    """What of the list is still out to be returned, or why it cannot take this return at all."""
    if request.head.app_type != "1":  # the return was processed when it came: its goods are back
        text = f"退货申请已处理，不能变更或删除[appType={request.head.app_type}]{named}"
        return ReceiptDue(NOT_RETURNABLE, text)
    if seen is None or seen.invt_no != request.head.invt_no:
        return ReceiptDue(NOT_FOUND, f"清单不存在，无法退货{named}")
    if seen.released is None or seen.cancelled or not seen.released[1]:
        return ReceiptDue(NOT_RETURNABLE, f"清单状态不允许退货{named}")
    released_at = seen.released[0]
    if now > released_at + WINDOW:
        text = f"已超过放行之日起30日的退货申请期限[放行时间={released_at:%Y%m%d}]{named}"
        return ReceiptDue(TOO_LATE, text)
    return seen.released


def _take(left: Left, request: InventoryReturn, named: str) -> Decimal | ReceiptDue:
    """Take the returned quantities off `left`; what they give back, or the refusal of a line."""
    back = ZERO
    for returned in request.lines:
        if returned.gnum not in left:
            return ReceiptDue(NO_SUCH_LINE, f"退货商品[gnum={returned.gnum}]不在原清单中{named}")
        line, value = left[returned.gnum]
        if returned.qty <= 0:  # the XSD's decimal takes a sign and zero
            return ReceiptDue(
                QUANTITY, f"退货商品[gnum={returned.gnum}]数量[{shown(returned.qty)}]必须大于0{named}"
            )
        if returned.qty > line.qty:
            out = f"[gnum={returned.gnum}]数量[{shown(returned.qty)}]超过可退数量[{shown(line.qty)}]"
            return ReceiptDue(QUANTITY, f"退货商品{out}{named}")
        share = value if returned.qty == line.qty else money(value * returned.qty / line.qty)
        left[returned.gnum] = (replace(line, qty=line.qty - returned.qty), value - share)
        back += share
    return back

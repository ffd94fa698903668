"""撤销申请 (CEB623): cancelling a released import list, in the review core's per-buyer state.

Domain §4.6: a list customs released (800/899) may be cancelled, with a reason. Success restores
the buyer's purchase quota (the ledger gives the list's amount back) and voids the list's tax bill
(CEB818, status 3); the cancellation is answered 120 then 399. Refused, the cancellation gets:

- -623003: no list with that ebcCode + orderNo and invtNo was reviewed for this buyer;
- -623005: the list is in no state to be cancelled (refused, detained, not released, or all its
  goods returned: `returns`);
- -623009: the list was cancelled already.

The time window and preconditions (goods not yet delivered) are unconfirmed (§4.6): none is applied.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from declarations.domain.events import ReceiptDue, ReviewEvent, TaxVoided
from declarations.domain.import_lists import InventoryCancel
from declarations.domain.ledger import release
from declarations.domain.review import ReviewState, list_key, with_progress
from declarations.domain.tax import void_bill

NOT_FOUND, NOT_CANCELLABLE, ALREADY_CANCELLED = -623003, -623005, -623009
CANCELLABLE = frozenset({800, 899})


def cancel(
    state: ReviewState, request: InventoryCancel, now: datetime
) -> tuple[ReviewState, tuple[ReviewEvent, ...]]:
    """The buyer's state after the cancellation `request`, and its receipts (and the voided bill)."""
    key = list_key(request.ebc_code, request.order_no)
    seen = state.lists.get(key)
    named = f"[invtNo={request.invt_no}]"
    if seen is None or seen.invt_no != request.invt_no:
        return state, (ReceiptDue(NOT_FOUND, f"清单不存在，无法撤销{named}"),)
    if seen.cancelled:
        return state, (ReceiptDue(ALREADY_CANCELLED, f"清单已申请撤销，请勿重复申请{named}"),)
    if seen.status not in CANCELLABLE:
        return state, (ReceiptDue(NOT_CANCELLABLE, f"清单状态[{seen.status}]不允许撤销{named}"),)
    if seen.released is not None and not seen.released[1]:
        return state, (ReceiptDue(NOT_CANCELLABLE, f"清单商品已全部退货，不允许撤销{named}"),)
    lists = with_progress(state.lists, key, replace(seen, cancelled=True))
    events = (
        ReceiptDue(120, "逻辑校验通过"),
        ReceiptDue(399, f"撤销成功{named}", request.invt_no),
        TaxVoided(seen.guid, void_bill(request.invt_no, now)),
    )
    return ReviewState(release(state.ledger, key), lists), events

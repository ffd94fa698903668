"""Where an export waybill (CEB505) waits until an export list names it: a pure core.

The export waybill carries no orderNo, so matching cannot key it by order like the other three
export documents. It is keyed by its own number, `EW:<logisticsCode>:<logisticsNo>`
(`matching.order_key`), and its state here is a `Parked`:

- a waybill that arrives before any list named it waits (`park`), with a deadline one matching
  window after the first one arrived;
- when an export list arrives at its order key, the shell sends a link to the waybill's key
  (`matching.export_waybill_key(list)`); `link` records the order key and hands over every
  waiting waybill version, in arrival order, to be fed into the order's `MatchState`;
- from then on each new version (a modification or a deletion) goes straight on (`park` returns
  it at once);
- a waybill nobody linked by its deadline is answered like any incomplete set (`expire`): 三单不齐,
  naming the three documents it never met.

    park(state, waybill, now, window) -> (Parked, waybills to forward)
    link(state, order_key)            -> (Parked, waybills to forward)
    expire(state, now)                -> (Parked | None, waybills timed out)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from declarations.domain.export_trade import ExportWaybill
from declarations.domain.values import value


@value
class Parked:
    """The waybill versions waiting for a list, or the order key they belong to once one named them."""

    order_key: str | None = None
    waiting: tuple[ExportWaybill, ...] = ()
    deadline: datetime | None = None


NOTHING = Parked()


def park(
    state: Parked, waybill: ExportWaybill, now: datetime, window: timedelta
) -> tuple[Parked, tuple[ExportWaybill, ...]]:
    """A waybill version arrives at its own key: forward it if linked, else let it wait."""
    if state.order_key is not None:
        return state, (waybill,)
    if waybill in state.waiting:
        return state, ()  # a redelivery
    return Parked(None, (*state.waiting, waybill), state.deadline or now + window), ()


def link(state: Parked, order_key: str) -> tuple[Parked, tuple[ExportWaybill, ...]]:
    """A list at `order_key` names this waybill: remember where to send it, and send what waited.

    The last link wins: a list modified to name another order's waybill moves the link with it.
    """
    return Parked(order_key), state.waiting


def expire(state: Parked, now: datetime) -> tuple[Parked | None, tuple[ExportWaybill, ...]]:
    """Past the deadline with no list naming it: the waiting versions time out and the key is forgotten."""
    if state.order_key is not None or state.deadline is None or now < state.deadline:
        return state, ()
    return None, state.waiting

"""The order of `returnStatus` values (domain reference §3.1), so a document's status only moves forward.

    1 < 2 < 3 < 4          e-port: draft, declaring, sent to customs, sending failed
    < 120                  stored by customs, logic checks passed
    < 300                  manual review
    < 399                  review concluded (审结)
    < 400                  accepted, waiting for the goods (seen in one enterprise enum only)
    < 500                  inspection
    < 501–599, 600, 700    detention, hand-over, suspension, return shipment (one rank)
    < 800                  released
    < 899                  closed
    < 100 and negatives    refusals: terminal, nothing moves a refused document on

A receipt whose status ranks below the document's current one is stale (a redelivered or
out-of-order answer) and must not move the document back: "never 120 after 399".

Pure: the standard library only.
"""

from __future__ import annotations

_RANKS = {
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "120": 10,
    "300": 20,
    "399": 30,
    "400": 35,
    "500": 40,
    "505": 50,
    "600": 50,
    "700": 50,
    "800": 60,
    "899": 70,
}
DETENTION_RANK = 50  # 501–599
REFUSAL_RANK = 100  # 100 and every negative code


def is_refusal(status: str) -> bool:
    """100 (海关退单) or a negative processing-error code."""
    text = status.strip()
    return text == "100" or (text.startswith("-") and text[1:].isdigit())


def rank(status: str) -> int:
    """The position of `status` in the clearance order; ValueError for a value outside the vocabulary."""
    text = status.strip()
    if is_refusal(text):
        return REFUSAL_RANK
    if text in _RANKS:
        return _RANKS[text]
    if text.isdigit() and 501 <= int(text) <= 599:
        return DETENTION_RANK
    raise ValueError(f"{status!r} is not a returnStatus of the CEB vocabulary")


def advances(current: str, new: str) -> bool:
    """True when `new` is later than `current`: the document's status moves to `new`."""
    return rank(new) > rank(current)


def is_stale(current: str, new: str) -> bool:
    """True when `new` is earlier than `current`: recording it would move the trail backwards."""
    return rank(new) < rank(current)


def latest(statuses: list[str]) -> str:
    """The furthest status among `statuses` (the first of equal rank wins); ValueError when empty."""
    if not statuses:
        raise ValueError("no status to choose from")
    best = statuses[0]
    for status in statuses[1:]:
        if advances(best, status):
            best = status
    return best

"""Content negotiation on `Accept` (RFC 9110 §12.5.1): the answer's format the client ranks highest."""

from __future__ import annotations


def preferred(accept: str | None, offered: tuple[str, ...]) -> str:
    """The type of `offered` that `accept` ranks highest: q-values, case-insensitive, `type/*` and
    `*/*`, the most specific range deciding a type's q. At equal q a type named outright beats one
    only a wildcard admits (`application/json, */*` asks for JSON); the first offered (the route's
    default) when there is no header, on a full tie, or when nothing offered is acceptable."""
    if not accept:
        return offered[0]
    ranges = [_media_range(part) for part in accept.split(",") if part.strip()]
    best, best_rank = offered[0], (0.0, -1)
    for media in offered:
        rank = _rank(media, ranges)
        if rank > best_rank:
            best, best_rank = media, rank
    return best if best_rank[0] > 0 else offered[0]


def _media_range(part: str) -> tuple[str, float]:
    media, *parameters = (piece.strip().lower() for piece in part.split(";"))
    q = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                q = min(max(float(value), 0.0), 1.0)
            except ValueError:
                q = 0.0
    return media, q


def _rank(media: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching `media`: exact 2, `type/*` 1, `*/*` 0."""
    kind = media.split("/", maxsplit=1)[0]
    for specificity, candidate in ((2, media), (1, f"{kind}/*"), (0, "*/*")):
        matching = [q for name, q in ranges if name == candidate]
        if matching:
            return max(matching), specificity
    return 0.0, -1

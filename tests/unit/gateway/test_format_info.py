"""A CEB900's returnInfo: every violation whole, or as many as fit and how many were left out."""

from __future__ import annotations

from gateway.intake.answers import FormatAnswer
from gateway.intake.render import MAX_INFO, format_info
from schemas.loader import Violation


def _answer(count: int) -> FormatAnswer:
    violations = tuple(
        Violation(
            n, f"/ceb:CEB311Message/ceb:Order[{n}]/ceb:OrderHead/ceb:orderNo", "element is not expected"
        )
        for n in range(1, count + 1)
    )
    return FormatAnswer("-0002", "CEB311Message", "-", violations, b"")


def test_violations_that_fit_are_all_listed() -> None:
    info = format_info(_answer(3))
    assert info.count("element is not expected") == 3
    assert "more" not in info


def test_beyond_the_limit_whole_violations_are_listed_then_how_many_are_left_out() -> None:
    info = format_info(_answer(178))
    assert len(info) <= MAX_INFO
    listed, _, note = info.rpartition("; ... and ")
    shown = listed.split("; ")
    assert all(part.endswith(": element is not expected") for part in shown)  # none cut in the middle
    assert note == f"{178 - len(shown)} more (Accept: application/json lists them all)"
    assert len(shown) > 30

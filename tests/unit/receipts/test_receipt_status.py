"""The order of returnStatus values: a document's status only moves forward."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import declarations.receipt_status as module
from declarations.receipt_status import advances, is_refusal, is_stale, latest, rank

CLEARANCE_ORDER = ["1", "2", "3", "4", "120", "300", "399", "500", "501", "800", "899", "-621005"]


def test_the_clearance_statuses_rank_in_the_order_of_the_flow() -> None:
    ranks = [rank(status) for status in CLEARANCE_ORDER]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)


def test_detention_and_return_shipment_share_a_rank_between_inspection_and_release() -> None:
    assert rank("501") == rank("599") == rank("700")
    assert rank("500") < rank("503") < rank("800")


def test_120_after_399_is_stale_and_never_advances() -> None:
    assert is_stale("399", "120")
    assert not advances("399", "120")
    assert advances("120", "399")


def test_refusals_are_terminal_and_nothing_moves_a_refused_document_on() -> None:
    assert is_refusal("100")
    assert is_refusal("-621005")
    assert not is_refusal("120")
    assert is_stale("-301010", "899")
    assert is_stale("100", "120")
    assert advances("2", "100")


def test_a_value_outside_the_vocabulary_is_refused() -> None:
    for bogus in ("250", "abc", "", "1000"):
        with pytest.raises(ValueError, match="not a returnStatus"):
            rank(bogus)


def test_latest_picks_the_furthest_status() -> None:
    assert latest(["2", "399", "120"]) == "399"
    with pytest.raises(ValueError, match="no status"):
        latest([])


def test_the_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(str(module.__file__)).read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}

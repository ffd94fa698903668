"""The committed record modules are exactly what the generator writes from today's definition."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from declarations.codec.record_generator import generated_sources
from tests.unit.codec.builders import make_receipt


@pytest.mark.parametrize("path", sorted(generated_sources()), ids=lambda path: path.name)
def test_committed_record_module_matches_the_definition(path: Path) -> None:
    regenerate = "run `python -m declarations.codec.record_generator` and commit the result"
    assert path.read_text(encoding="utf-8") == generated_sources()[path], regenerate


def test_records_are_frozen() -> None:
    receipt = make_receipt()
    with pytest.raises(dataclasses.FrozenInstanceError):
        receipt.return_status = "3"  # type: ignore[misc]

"""CEBSIM_KAFKA_GATHER_MS (the stage consumers' fetch wait) is read from the environment and bounded."""

from __future__ import annotations

import pydantic
import pytest

from gateway.settings import Settings


def test_the_gather_wait_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CEBSIM_KAFKA_GATHER_MS", "5")
    assert Settings().kafka_gather_ms == 5
    assert Settings(kafka_gather_ms=0).kafka_gather_ms == 0


def test_a_gather_wait_past_half_a_second_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="kafka_gather_ms"):
        Settings(kafka_gather_ms=501)

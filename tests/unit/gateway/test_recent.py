"""The gateway's short-lived registry answers: remembered for a while, loaded once under contention."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.recent import Recent


def test_an_answer_is_loaded_once_and_then_remembered() -> None:
    loads: list[str] = []
    recent: Recent[str] = Recent()

    def load() -> str:
        loads.append("k")
        return "value"

    for _ in range(3):
        assert recent.get("k", load) == "value"
    assert loads == ["k"]


def test_an_expired_answer_is_loaded_again() -> None:
    loads: list[str] = []
    recent: Recent[str] = Recent(ttl_s=0.0)

    def load() -> str:
        loads.append("k")
        return "value"

    for _ in range(3):
        recent.get("k", load)
    assert len(loads) == 3


def test_a_missing_answer_is_remembered_only_when_asked_to() -> None:
    remembering: Recent[str] = Recent()
    forgetting: Recent[str] = Recent(keep_missing=False)
    assert remembering.get("k", lambda: None) is None
    assert forgetting.get("k", lambda: None) is None
    assert remembering.get("k", lambda: "registered since") is None
    assert forgetting.get("k", lambda: "registered since") == "registered since"


def test_threads_missing_the_same_key_together_load_it_once() -> None:
    recent: Recent[str] = Recent()
    loads: list[int] = []
    release = threading.Event()

    def load() -> str:
        loads.append(1)
        release.wait(5)  # every other thread arrives while this load is in progress
        return "value"

    with ThreadPoolExecutor(16) as pool:
        answers = [pool.submit(recent.get, "k", load) for _ in range(16)]
        threading.Timer(0.2, release.set).start()
        assert {a.result(timeout=10) for a in answers} == {"value"}
    assert len(loads) == 1


def test_a_failed_load_is_not_remembered_and_the_next_caller_retries() -> None:
    recent: Recent[str] = Recent()

    def fail() -> str:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        recent.get("k", fail)
    assert recent.get("k", lambda: "value") == "value"


def test_forgotten_answers_are_loaded_again_and_the_others_stay_remembered() -> None:
    recent: Recent[str] = Recent()
    loads: list[str] = []

    def loader(key: str) -> Callable[[], str]:
        def load() -> str:
            loads.append(key)
            return f"value {key}"

        return load

    for key in ("a", "b"):
        recent.get(key, loader(key))
    recent.forget(lambda value: value == "value a")
    assert recent.get("a", loader("a")) == "value a"
    assert recent.get("b", loader("b")) == "value b"
    assert loads == ["a", "b", "a"]

"""`@value` builds the same frozen dataclass as `@dataclass(frozen=True, slots=True)`, faster.

Each case declares one class twice, once with each decorator, and holds `@value`'s to the
dataclass's: the same `__init__` parameters, the same stored fields, defaults and factories, the
same errors, still frozen, equal, hashable, picklable and `replace`-able.
"""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field
from inspect import signature
from typing import Any

import pytest

from declarations.domain.values import value

calls: list[str] = []


@value
class Receipt:
    status: int
    info: str
    invt_no: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    _cache: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    seen: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        calls.append(self.info)


@dataclass(frozen=True, slots=True)
class PlainReceipt:
    status: int
    info: str
    invt_no: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    _cache: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    seen: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        calls.append(self.info)


@value(kw_only=True)
class Head:
    guid: str
    note: str | None = None
    mixed: int = field(default=1, kw_only=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlainHead:
    guid: str
    note: str | None = None
    mixed: int = field(default=1, kw_only=False)


def _stored(made: Any) -> dict[str, Any]:
    return {spec.name: getattr(made, spec.name) for spec in dataclasses.fields(made)}


def _parameters(cls: type) -> list[tuple[str, Any, bool]]:
    return [
        (p.name, p.kind, p.default is not p.empty)
        for p in signature(vars(cls)["__init__"]).parameters.values()
    ]


@pytest.mark.parametrize(("made", "plain"), [(Receipt, PlainReceipt), (Head, PlainHead)])
def test_the_init_takes_the_dataclass_parameters(made: type, plain: type) -> None:
    assert _parameters(made) == _parameters(plain)
    assert vars(made)["__init__"].__qualname__ == f"{made.__qualname__}.__init__"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((120, "ok"), {}), ((399, "审结", "I1"), {}), ((800,), {"info": "放行", "tags": ("a",)})],
)
def test_fields_defaults_factories_and_post_init_as_the_dataclass(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    calls.clear()
    made, plain = Receipt(*args, **kwargs), PlainReceipt(*args, **kwargs)
    assert _stored(made) == _stored(plain)
    assert calls == [made.info, plain.info]
    assert made._cache == {}
    assert made._cache is not Receipt(*args, **kwargs)._cache


def test_keyword_only_fields_as_the_dataclass() -> None:
    assert _stored(Head(2, guid="g")) == _stored(PlainHead(2, guid="g"))
    assert _stored(Head(guid="g", note="n")) == _stored(PlainHead(guid="g", note="n"))
    for cls in (Head, PlainHead):
        with pytest.raises(TypeError, match="positional"):
            cls(1, "g")  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="guid"):
            cls()  # type: ignore[call-arg]


def test_the_same_type_errors_as_the_dataclass() -> None:
    for cls in (Receipt, PlainReceipt):
        with pytest.raises(TypeError, match="info"):
            cls(120)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="unexpected keyword argument 'seen'"):
            cls(120, "ok", seen=1)  # type: ignore[call-arg]


def test_still_frozen_equal_hashable_picklable_and_replaceable() -> None:
    receipt = Receipt(120, "ok", "I1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        receipt.status = 399  # type: ignore[misc]
    assert receipt == Receipt(120, "ok", "I1")
    assert hash(receipt) == hash(Receipt(120, "ok", "I1"))
    assert receipt != Receipt(399, "ok", "I1")
    assert pickle.loads(pickle.dumps(receipt)) == receipt  # noqa: S301 — our own bytes
    assert dataclasses.replace(receipt, status=399) == Receipt(399, "ok", "I1")
    assert repr(receipt) == "Receipt(status=120, info='ok', invt_no='I1', tags=(), seen=0)"
    assert not hasattr(receipt, "__dict__")


def test_a_class_it_cannot_build_is_refused() -> None:
    with pytest.raises(TypeError, match="@value cannot build"):

        @value
        class WithInitVar:
            status: int
            scale: dataclasses.InitVar[int] = 1


def test_a_class_with_its_own_init_keeps_it() -> None:
    @value
    class Scaled:
        amount: int

        def __init__(self, amount: int) -> None:
            object.__setattr__(self, "amount", amount * 100)

    assert Scaled(3).amount == 300

"""Hypothesis strategies for every record, derived from the codec's plans (so they follow the definition)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from declarations.codec.plans import BASE_TRANSFER_PLAN, Plan, Step, StepKind, document_plan
from declarations.codec.value_kinds import ValueKind
from declarations.domain.messages import CHINA_STANDARD_TIME

_ZONES = st.sampled_from([CHINA_STANDARD_TIME, UTC, timezone(timedelta(hours=-5, minutes=-30))])
_DATETIMES = st.datetimes(min_value=datetime(1001, 1, 2), max_value=datetime(9998, 12, 30), timezones=_ZONES)
_XML_CHARACTERS = st.characters(exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from("\t\n\r&<>\"'")

VALUES: dict[ValueKind, st.SearchStrategy[Any]] = {
    ValueKind.TEXT: st.text(_XML_CHARACTERS, max_size=12),
    ValueKind.DECIMAL: st.decimals(
        min_value=-(10**14), max_value=10**14, allow_nan=False, allow_infinity=False
    ),
    ValueKind.INT: st.integers(min_value=0, max_value=999_999_999),
    ValueKind.DATETIME: _DATETIMES.map(lambda moment: moment.replace(microsecond=0)),
    ValueKind.TIMESTAMP: _DATETIMES.map(
        lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    ),
    ValueKind.DATE: st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
}


def _leaf(step: Step) -> st.SearchStrategy[Any]:
    value = VALUES[step.value_kind]
    if step.required:
        return value
    if step.value_kind is ValueKind.TEXT:
        value = st.text(_XML_CHARACTERS, min_size=1, max_size=12)  # empty optional text reads as None
    return st.none() | value


def _fields(plan: Plan) -> dict[str, st.SearchStrategy[Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for step in plan.steps:
        assert step.kind is StepKind.LEAF or step.plan is not None
        if step.kind is StepKind.LEAF:
            fields[step.attribute] = _leaf(step)
        elif step.kind is StepKind.INLINE:
            fields |= _fields(step.plan)  # type: ignore[arg-type]
        elif step.kind is StepKind.ONE:
            fields[step.attribute] = records(step.plan)  # type: ignore[arg-type]
        else:
            lines = st.lists(records(step.plan), min_size=step.min_occurs, max_size=3)  # type: ignore[arg-type]
            fields[step.attribute] = lines.map(tuple)
    return fields


def records(plan: Plan) -> st.SearchStrategy[Any]:
    """Any record the plan can write: required values present, optional ones present or None."""
    return st.builds(plan.record, **_fields(plan))


def documents(code: str, max_count: int) -> st.SearchStrategy[list[Any]]:
    """1..max_count documents of message `code`."""
    return st.lists(records(document_plan(code)), min_size=1, max_size=max_count)


base_transfers = records(BASE_TRANSFER_PLAN)

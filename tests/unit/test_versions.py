"""declarations.versions: a document guid held by another business key of the same message type."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from declarations.versions import Incoming, Refuse, Replay, Stored, decide

APP_TIME = datetime(2026, 3, 8, 3, 27, 1, tzinfo=UTC)
GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"


def incoming(kind: str, app_type: str = "1") -> Incoming:
    return Incoming(kind, GUID, "hash", app_type, APP_TIME)


@pytest.mark.parametrize(
    ("kind", "code"),
    [("order", "-301010"), ("payment", "-401007"), ("list", "-621004"), ("export-order", "-304001")],
)
def test_a_guid_another_key_holds_is_refused_with_the_kinds_duplicate_code_naming_the_guid(
    kind: str, code: str
) -> None:
    decision = decide(incoming(kind), None, seen_before=False, guid_taken=True)

    assert decision == Refuse(code, f"系统唯一序号已被另一单证使用，请重新生成[guid={GUID}]")


def test_a_modification_reusing_a_guid_another_key_holds_is_refused_before_its_own_key_is_judged() -> None:
    live = Stored("ANOTHER-GUID", "hash0", "1", APP_TIME, "2", 1)

    decision = decide(incoming("order", app_type="2"), live, seen_before=False, guid_taken=True)

    assert decision == Refuse("-301010", f"系统唯一序号已被另一单证使用，请重新生成[guid={GUID}]")


def test_a_replay_is_answered_as_a_replay_even_where_the_guid_is_held_twice() -> None:
    """Stored before guids were checked against other keys: the retry still gets its first answer."""
    decision = decide(incoming("order"), None, seen_before=True, guid_taken=True)

    assert decision == Replay(GUID, "hash")

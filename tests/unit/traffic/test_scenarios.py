"""Each scenario ends as the manifest says: the domain's own rules and review decide it here."""

from __future__ import annotations

from datetime import datetime

import pytest

from benchmarks.traffic import scenarios
from benchmarks.traffic.config import DEFAULT_START, EXPORT_RULE_CODES, IMPORT_RULE_CODES, PartyCounts
from benchmarks.traffic.export_parcels import export_parcel
from benchmarks.traffic.import_parcels import import_parcel
from benchmarks.traffic.parcel import Context, Parcel
from benchmarks.traffic.parties import make_parties
from benchmarks.traffic.render import document_xml, message_xml
from declarations.codec import parse_message
from declarations.domain.import_lists import InventoryList
from declarations.domain.review import MatchedList, ReviewState, review
from declarations.stages.review import default_policy
from tests.unit.matching.sets import broken_rules

NOW = datetime(2025, 11, 11, 10, 0, tzinfo=DEFAULT_START.tzinfo)
PARTIES = make_parties(9, PartyCounts(), "mixed")


def _parcel(flow: str, scenario: str, index: int = 3) -> Parcel:
    ctx = Context(9, PARTIES, DEFAULT_START)
    parcel = (import_parcel if flow == "import" else export_parcel)(ctx, index, scenario)
    scenarios.apply(parcel)
    return parcel


def _records(parcel: Parcel) -> tuple[object, ...]:
    """The parcel's four documents as the simulator decodes them from the generated XML."""
    records = []
    for code in parcel.types:
        head, lines = parcel.docs[code]
        sender = parcel.senders[code]
        xml = message_xml(
            code, "0" * 36, [document_xml(code, head, lines)], (sender.code, sender.name, "DXP")
        )
        records.append(parse_message(xml.encode("utf-8")).documents[0])
    return tuple(records)


@pytest.mark.parametrize("flow", ["import", "export"])
def test_an_ordinary_parcel_breaks_no_matching_rule(flow: str) -> None:
    for index in range(30):
        assert broken_rules(_records(_parcel(flow, "normal", index))) == {}  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", sorted(IMPORT_RULE_CODES))
def test_each_import_mismatch_breaks_exactly_its_rule(rule: str) -> None:
    if not scenarios.supports("import", rule):
        pytest.skip(f"{rule} is not generated (see benchmarks.traffic.scenarios)")
    parcel = _parcel("import", f"mismatch:{rule}")
    broken = broken_rules(_records(parcel))  # type: ignore[arg-type]
    assert {str(IMPORT_RULE_CODES[name]) for name in broken} == set(parcel.expected_codes)
    assert rule in broken
    assert parcel.expected_status == str(IMPORT_RULE_CODES[rule])


@pytest.mark.parametrize("rule", sorted(EXPORT_RULE_CODES))
def test_each_export_mismatch_breaks_exactly_its_rule(rule: str) -> None:
    if not scenarios.supports("export", rule):
        pytest.skip(f"{rule} is not generated for export (see benchmarks.traffic.scenarios)")
    parcel = _parcel("export", f"mismatch:{rule}")
    broken = broken_rules(_records(parcel))  # type: ignore[arg-type]
    assert {str(EXPORT_RULE_CODES[name]) for name in broken} == set(parcel.expected_codes)


@pytest.mark.parametrize(
    ("scenario", "status"),
    [
        ("normal", 899),
        ("inspection", 899),
        ("over_single", -621005),
        ("over_annual", -621018),
        ("off_list", 100),
    ],
)
def test_review_answers_each_outcome_scenario_as_the_manifest_expects(scenario: str, status: int) -> None:
    policy = default_policy()
    for index in range(20):
        parcel = _parcel("import", scenario, index)
        inventory = _records(parcel)[3]
        assert isinstance(inventory, InventoryList)
        _, events = review(ReviewState(), MatchedList(inventory, index), NOW, policy)
        statuses = [getattr(event, "status", None) for event in events]
        assert status in statuses, (scenario, index, statuses)
        assert parcel.expected_status == str(status)

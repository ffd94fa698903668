"""The generator: same seed → same bytes; documents valid against the official XSDs; numbers well formed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from benchmarks.traffic.config import Flow, GenerateConfig, OutputFormat, PartyCounts, Rates
from benchmarks.traffic.generator import generate
from benchmarks.traffic.parties import uscc_valid
from benchmarks.traffic.people import DISTRICTS, id_check_digit, id_number_valid

SMALL = PartyCounts(1, 2, 1, 1, 1)
EXPORT_TYPES = {"CEB303", "CEB403", "CEB505", "CEB603", "CEB507", "CEB509"}
EVERY_RULE = {
    rule: 0.03
    for rule in (
        "order_list_key", "waybill_list_key", "payment_order_key", "payment_transaction", "actural_paid_sum",
        "actural_paid_amount", "lines_one_to_one", "gname_item_name", "line_total_price", "consignee_waybill",
        "consignee_address_list", "buyer_identity", "buyer_payer", "weights", "legal_qty_unit1",
        "legal_qty_unit2", "duplicate_gnum_order", "duplicate_gnum_list", "collection_order_key",
    )
}  # fmt: skip
BUSY = Rates(EVERY_RULE, 0.03, 0.03, 0.03, 0.03, duplicates=0.1, modifications=0.1, out_of_order=0.3)


def _generate(out: Path, **overrides: object) -> Path:
    values: dict[str, object] = {"parcels": 40, "seed": 5, "flow": Flow.MIXED, "output": OutputFormat.JSONL}
    values |= {"docs_per_message": 3, "parties": SMALL, "rates": BUSY}
    generate(GenerateConfig(**(values | overrides)), out)  # type: ignore[arg-type]
    return out


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != "generate.json"  # it holds the timings
    }


def test_the_same_seed_gives_the_same_bytes_signatures_keys_and_certificates_included(tmp_path: Path) -> None:
    first, second = _generate(tmp_path / "a"), _generate(tmp_path / "b")
    assert _files(first) == _files(second)
    assert b"SignatureValue" in (first / "traffic.jsonl").read_bytes()


def test_a_different_seed_gives_different_traffic_and_parties(tmp_path: Path) -> None:
    first, second = _generate(tmp_path / "a", sign=False), _generate(tmp_path / "b", sign=False, seed=6)
    assert (first / "traffic.jsonl").read_bytes() != (second / "traffic.jsonl").read_bytes()
    assert (first / "parties.json").read_bytes() != (second / "parties.json").read_bytes()


def test_xml_directory_names_give_the_send_order(tmp_path: Path) -> None:
    out = _generate(tmp_path / "x", output=OutputFormat.XML, sign=False, parcels=5, flow=Flow.IMPORT)
    names = sorted(path.name for path in (out / "messages").iterdir())
    assert [int(name[:7]) for name in names] == list(range(1, len(names) + 1))
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [line["parcel"] for line in manifest] == [f"P{i:07d}" for i in range(5)]


@pytest.fixture(scope="module")
def official_schemas(official_dir: Path) -> dict[str, etree.XMLSchema]:
    return {
        flow: etree.XMLSchema(etree.parse(str(official_dir / "xsd" / f"ceb-{flow}.xsd")))
        for flow in ("import", "export")
    }


def test_signed_import_and_export_traffic_is_valid_against_the_official_xsds(
    tmp_path: Path, official_schemas: dict[str, etree.XMLSchema]
) -> None:
    out = _generate(tmp_path / "v", parcels=60)
    seen: set[str] = set()
    for line in (out / "traffic.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        schema = official_schemas["export" if row["message_type"] in EXPORT_TYPES else "import"]
        document = etree.fromstring(row["xml"].encode("utf-8"))
        assert schema.validate(document), (row["message_type"], str(schema.error_log.last_error))
        seen.add(row["message_type"])
    assert seen >= {"CEB311", "CEB411", "CEB511", "CEB621"} | EXPORT_TYPES


def test_sign_only_required_signs_the_lists_alone_and_stays_valid(
    tmp_path: Path, official_schemas: dict[str, etree.XMLSchema]
) -> None:
    out = _generate(tmp_path / "r", parcels=30, flow=Flow.IMPORT, sign_only_required=True)
    signed: dict[str, set[bool]] = {}
    for line in (out / "traffic.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        document = etree.fromstring(row["xml"].encode("utf-8"))
        assert official_schemas["import"].validate(document), row["message_type"]
        signed.setdefault(row["message_type"], set()).add("SignatureValue" in row["xml"])
    assert signed == {"CEB311": {False}, "CEB411": {False}, "CEB511": {False}, "CEB621": {True}}


def test_buyer_ids_have_valid_check_digits_and_real_districts(tmp_path: Path) -> None:
    out = _generate(tmp_path / "i", sign=False, flow=Flow.IMPORT, parcels=80)
    ids = [json.loads(line)["buyer_id_number"] for line in (out / "manifest.jsonl").read_text().splitlines()]
    districts = {code for code, _ in DISTRICTS}
    assert ids
    assert all(id_number_valid(number) and number[:6] in districts for number in ids)


def test_the_check_digit_is_iso_7064_mod_11_2() -> None:
    assert id_check_digit("11010519491231002") == "X"  # the standard's own example
    assert id_check_digit("44052419800101001") == "3"  # 196 mod 11 = 9 → "3"
    assert not id_number_valid("110105194912310021")


def test_party_codes_are_10_character_customs_codes_or_valid_credit_codes(tmp_path: Path) -> None:
    out = _generate(tmp_path / "p", sign=False, parties=PartyCounts(3, 3, 3, 3, 3), parcels=2)
    rows = json.loads((out / "parties.json").read_text())["parties"]
    codes = [row["code"] for row in rows]
    assert all((len(code) == 10 and code[:4].isdigit()) or uscc_valid(code) for code in codes)
    assert any(len(code) == 18 for code in codes)
    assert any(len(code) == 10 for code in codes)
    assert uscc_valid("91350100M000100Y43")  # a published example
    assert all(row["api_key"].startswith("cebsim_") and len(row["api_key"]) >= 32 for row in rows)


def test_bad_knobs_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="docs-per-message"):
        GenerateConfig(parcels=1, seed=1, docs_per_message=101)
    with pytest.raises(ValueError, match="unknown matching rule"):
        GenerateConfig(parcels=1, seed=1, rates=Rates({"no_such_rule": 0.1}))

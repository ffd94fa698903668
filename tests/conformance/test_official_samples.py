"""The project's schemas give the official verdict on every official sample, for the same reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.loader import validate
from tests.conformance.oracle import official_valid, samples

pytestmark = pytest.mark.conformance

BASE_TRANSFER_TWICE = ("CEB303", "CEB403", "CEB505", "CEB507", "CEB509", "CEB603", "CEB605", "CEB607")


def test_every_import_sample_is_valid_as_the_official_import_xsd_says(official_dir: Path) -> None:
    files = samples(official_dir, "import")
    assert len(files) == 16
    for path in files:
        data = path.read_bytes()
        verdict = validate(data)
        assert official_valid(official_dir, "ceb-import.xsd", data), path.name
        assert verdict.valid, (path.name, verdict.violations)
        assert verdict.message_type == path.stem.removesuffix("Message")


def test_thirteen_export_samples_are_valid_and_ten_are_not_as_the_official_export_xsd_says(
    official_dir: Path,
) -> None:
    files = samples(official_dir, "export")
    ours = {path.stem.removesuffix("Message"): validate(path.read_bytes()).valid for path in files}
    official = {
        path.stem.removesuffix("Message"): official_valid(official_dir, "ceb-export.xsd", path.read_bytes())
        for path in files
    }
    assert ours == official
    assert sorted(code for code, valid in ours.items() if not valid) == sorted(
        [*BASE_TRANSFER_TWICE, "CEB214", "CEB792"]
    )
    assert sum(ours.values()) == 13


@pytest.mark.parametrize("code", BASE_TRANSFER_TWICE)
def test_a_second_base_transfer_is_refused_where_only_subscribe_signature_or_extension_may_follow(
    official_dir: Path, code: str
) -> None:
    verdict = validate((official_dir / "samples" / "export" / f"{code}Message.xml").read_bytes())
    assert not verdict.valid
    assert verdict.message_type == code
    first = verdict.violations[0]
    assert first.path == f"/ceb:{code}Message/ceb:BaseTransfer[2]"
    assert "ceb:BaseTransfer" in first.message
    assert "not expected" in first.message
    assert "ceb:BaseSubscribe, ds:Signature, ceb:ExtendMessage" in first.message


def test_ceb792_uses_gnum_where_the_schema_expects_gseqno(official_dir: Path) -> None:
    verdict = validate((official_dir / "samples" / "export" / "CEB792Message.xml").read_bytes())
    assert not verdict.valid
    assert verdict.message_type == "CEB792"
    assert all(v.path.endswith("/ceb:gnum") for v in verdict.violations)
    assert all("Expected is ( ceb:gseqno )" in v.message for v in verdict.violations)


def test_ceb214_sample_root_has_no_global_declaration(official_dir: Path) -> None:
    verdict = validate((official_dir / "samples" / "export" / "CEB214Message.xml").read_bytes())
    assert not verdict.valid
    assert verdict.message_type is None
    assert verdict.violations[0].path == "/ceb:CEB214"
    assert "unknown root element ceb:CEB214" in verdict.violations[0].message

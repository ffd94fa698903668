"""`cebsim validate`: one verdict per named file, JSON shape, and the exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from schemas.validate_cli import run
from tests.unit.schemas.builders import ceb311_sample, ceb311_text, write


def _json(files: list[str]) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    status = run(files, True, out)
    return status, json.loads(out.getvalue())


def test_all_valid_files_exit_zero(tmp_path: Path) -> None:
    status, records = _json(
        [write(tmp_path, "a.xml", ceb311_sample()), write(tmp_path, "b.xml", ceb311_sample())]
    )
    assert status == 0
    assert [record["valid"] for record in records] == [True, True]


def test_json_has_one_object_per_file_with_the_documented_keys(tmp_path: Path) -> None:
    broken = ceb311_text().replace("<ceb:orderNo>", "<ceb:orderNo>" + "x" * 61, 1).encode()
    good, bad = write(tmp_path, "good.xml", ceb311_sample()), write(tmp_path, "bad.xml", broken)
    status, records = _json([good, bad])
    assert status == 1
    assert records[0] == {"file": good, "message_type": "CEB311", "valid": True, "violations": []}
    assert records[1]["message_type"] == "CEB311"
    assert records[1]["valid"] is False
    (violation,) = records[1]["violations"]
    assert set(violation) == {"line", "path", "message"}
    assert violation["path"] == "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:orderNo"


def test_unreadable_hostile_and_broken_inputs_are_verdicts_not_crashes(tmp_path: Path) -> None:
    files = [
        str(tmp_path / "missing.xml"),
        str(tmp_path),
        write(tmp_path, "empty.xml", b""),
        write(tmp_path, "text.xml", b"hello"),
        write(tmp_path, "truncated.xml", ceb311_sample()[:700]),
        write(tmp_path, "xxe.xml", b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>'),
        "/dev/null",
    ]
    status, records = _json(files)
    assert status == 1
    assert [record["file"] for record in records] == files
    assert all(record["valid"] is False and record["violations"] for record in records)


def test_readable_report_names_each_file_and_its_violations(tmp_path: Path) -> None:
    out = io.StringIO()
    status = run([write(tmp_path, "a.xml", ceb311_sample()), str(tmp_path / "nope.xml")], False, out)
    lines = out.getvalue().splitlines()
    assert status == 1
    assert lines[0].endswith("a.xml: valid (CEB311)")
    assert "nope.xml: INVALID" in lines[1]
    assert lines[2].strip() == "no such file"


def test_no_file_is_a_usage_error() -> None:
    assert run([], True, io.StringIO()) == 2

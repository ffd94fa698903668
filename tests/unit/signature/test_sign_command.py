"""`cebsim sign`: make a key and certificate, sign a file with them, and the usage errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.signature import verify_message
from schemas.safe_xml import parse


def run(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, ["sign", *args])
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.mark.parametrize("algorithm", ["rsa-sha1", "sm2-sm3"])
def test_a_new_identity_signs_a_message_that_verifies(tmp_path: Path, ceb311: bytes, algorithm: str) -> None:
    code, out, _ = run(
        "--new-identity",
        str(tmp_path / "id"),
        "--code",
        "1105910159",
        "--name",
        "测试",
        "--algorithm",
        algorithm,
    )
    assert code == 0
    assert b"fingerprint:" in out
    (tmp_path / "m.xml").write_bytes(ceb311)
    key, cert = str(tmp_path / "id" / "key.pem"), str(tmp_path / "id" / "cert.pem")
    code, signed, _ = run("--key", key, "--cert", cert, "--algorithm", algorithm, str(tmp_path / "m.xml"))
    assert code == 0
    check = verify_message(parse(signed), now=datetime.now(UTC))
    assert (check.valid, check.algorithm) == (True, algorithm)


def test_the_algorithm_defaults_to_the_key_kind_and_out_writes_a_file(tmp_path: Path, ceb311: bytes) -> None:
    run("--new-identity", str(tmp_path / "id"), "--code", "1", "--name", "n", "--algorithm", "sm2-sm3")
    (tmp_path / "m.xml").write_bytes(ceb311)
    key, cert = str(tmp_path / "id" / "key.pem"), str(tmp_path / "id" / "cert.pem")
    code, out, _ = run(
        "--key", key, "--cert", cert, "--out", str(tmp_path / "s.xml"), str(tmp_path / "m.xml")
    )
    assert (code, out) == (0, b"")
    assert (
        verify_message(parse((tmp_path / "s.xml").read_bytes()), now=datetime.now(UTC)).algorithm == "sm2-sm3"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--key", "k.pem", "m.xml"),
        ("--new-identity", "d", "--code", "1"),
        ("--new-identity", "d", "--code", "1", "--name", "n", "--key", "k.pem"),
        ("--new-identity", "d", "--code", "1", "--name", "n", "--days", "0"),
    ],
)
def test_options_that_do_not_fit_together_exit_2(args: tuple[str, ...]) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert err.startswith("cebsim sign: ")


def test_a_file_that_cannot_be_signed_exits_1_with_the_reason(tmp_path: Path) -> None:
    run("--new-identity", str(tmp_path / "id"), "--code", "1", "--name", "n")
    (tmp_path / "r.xml").write_bytes(b'<CEB312Message xmlns="http://www.chinaport.gov.cn/ceb"/>')
    key, cert = str(tmp_path / "id" / "key.pem"), str(tmp_path / "id" / "cert.pem")
    code, _, err = run("--key", key, "--cert", cert, str(tmp_path / "r.xml"))
    assert code == 1
    assert "carries no signature" in err

"""`cebsim sign --new-identity DIR` never replaces a key already there unless told to."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from gateway.cli import main


def new_identity(directory: Path, *options: str) -> Result:
    given = ["sign", "--new-identity", str(directory), "--code", "3301960001", "--name", "某电商"]
    return CliRunner().invoke(main, [*given, "--algorithm", "sm2-sm3", *options])


def test_an_existing_key_is_refused_and_kept(tmp_path: Path) -> None:
    assert new_identity(tmp_path).exit_code == 0
    key, cert = (tmp_path / "key.pem").read_bytes(), (tmp_path / "cert.pem").read_bytes()
    again = new_identity(tmp_path)
    assert again.exit_code == 1
    assert again.stderr == (
        f"cebsim sign: {tmp_path / 'key.pem'} and {tmp_path / 'cert.pem'} already there; "
        "give --overwrite to replace them, or another folder\n"
    )
    assert again.stdout == ""
    assert (tmp_path / "key.pem").read_bytes() == key
    assert (tmp_path / "cert.pem").read_bytes() == cert


def test_overwrite_replaces_the_key_and_certificate(tmp_path: Path) -> None:
    assert new_identity(tmp_path).exit_code == 0
    key = (tmp_path / "key.pem").read_bytes()
    again = new_identity(tmp_path, "--overwrite")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "key.pem").read_bytes() != key

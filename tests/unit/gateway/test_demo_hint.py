"""`cebsim serve --demo` prints keys that work and a curl line for the address it really serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.cli import _print_demo
from gateway.runtime import build_runtime
from gateway.settings import Settings


@pytest.mark.parametrize(("host", "shown"), [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1")])  # noqa: S104
def test_the_demo_hint_names_the_served_port_and_a_working_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], host: str, shown: str
) -> None:
    monkeypatch.chdir(tmp_path)  # the demo writes its identities under var/demo of the working directory
    runtime = build_runtime(
        Settings(db=f"sqlite:///{tmp_path / 'demo.db'}", host=host, port=8123, require_signatures=False)
    )
    try:
        _print_demo(runtime)
    finally:
        runtime.stop()
    printed = capsys.readouterr().out
    curl = next(line for line in printed.splitlines() if "try: curl" in line)
    assert f"http://{shown}:8123/ceb/messages" in curl
    key = re.search(r"Bearer (\S+)'", curl)
    assert key is not None
    assert runtime.registry.by_api_key(key.group(1)) is not None
    assert (tmp_path / "var" / "demo" / "CEB311Message.xml").is_file()

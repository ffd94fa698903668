"""Small documents for the schemas unit tests, built from the official CEB311 sample."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import official_root

CEB_NS = "http://www.chinaport.gov.cn/ceb"


def ceb311_sample() -> bytes:
    """The official CEB311 sample as published (UTF-8 with a byte-order mark, `ceb:` prefix)."""
    return (official_root() / "samples" / "import" / "CEB311Message.xml").read_bytes()


def ceb311_text() -> str:
    return ceb311_sample().decode("utf-8-sig")


def with_default_namespace(text: str) -> str:
    """The same document with a default namespace instead of the `ceb:` prefix."""
    return text.replace("xmlns:ceb=", "xmlns=").replace("<ceb:", "<").replace("</ceb:", "</")


def with_declared_encoding(text: str, encoding: str) -> bytes:
    """The document re-encoded in `encoding`, declared as such."""
    body = text.split("?>", 1)[1]
    return f'<?xml version="1.0" encoding="{encoding}"?>{body}'.encode(encoding)


def with_note(text: str, note: str) -> str:
    """The document with the first OrderHead's note replaced."""
    return text.replace("<ceb:note>", f"<ceb:note>{note}", 1)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)

"""The official XSDs, compiled with lxml, as the oracle the project's schemas are compared with."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

FAMILIES = ("import", "export")


@functools.cache
def official_schema(official_dir: Path, name: str) -> etree.XMLSchema:
    """`ceb-import.xsd`, `ceb-export.xsd` or `dxp-terminal.xsd` from the official dir, compiled once."""
    return etree.XMLSchema(etree.parse(str(official_dir / "xsd" / name)))


def official_valid(official_dir: Path, schema_name: str, data: bytes) -> bool:
    """The official verdict on `data` (which must parse)."""
    return bool(official_schema(official_dir, schema_name).validate(etree.fromstring(data)))


def samples(official_dir: Path, family: str) -> list[Path]:
    return sorted((official_dir / "samples" / family).glob("*.xml"))

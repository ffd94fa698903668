"""Element by element, each generated message XSD declares what the official XSD declares.

`xsd_shape.flatten` lists every element, cardinality, fixed/default value, attribute and facet set
under a message root; the project's list must equal the official one. A difference names the
definition fact to correct (e.g. `.../orderNo [1..1] string maxLength=60 minLength=1`).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from schemas.definition import MESSAGES
from schemas.definition.model import CEB_NS, DS_NS, Family, Message
from schemas.xsd_writer import XSD_DIR, schema_file
from tests.conformance.xsd_shape import SchemaSet, flatten

pytestmark = pytest.mark.conformance

SIGNATURE = frozenset({f"{{{DS_NS}}}Signature"})
OFFICIAL_FILES = {Family.IMPORT: "ceb-import.xsd", Family.EXPORT: "ceb-export.xsd"}


@pytest.fixture(scope="module")
def official_sets(official_dir: Path) -> dict[Family, SchemaSet]:
    return {family: SchemaSet(official_dir / "xsd" / name) for family, name in OFFICIAL_FILES.items()}


@pytest.mark.parametrize("message", MESSAGES, ids=lambda message: message.code)
def test_generated_xsd_declares_what_the_official_xsd_declares(
    official_sets: dict[Family, SchemaSet], message: Message
) -> None:
    root = f"{{{CEB_NS}}}{message.root}"
    official = flatten(official_sets[message.family], root, SIGNATURE)
    ours = flatten(SchemaSet(XSD_DIR / schema_file(message)), root, SIGNATURE)
    assert ours == official, "\n".join(difflib.unified_diff(official, ours, "official", "ours", lineterm=""))


def test_the_definition_covers_every_message_root_of_the_official_xsds(
    official_sets: dict[Family, SchemaSet],
) -> None:
    for family, schema_set in official_sets.items():
        roots = {q for q in schema_set.elements if q.endswith("Message") and "}CEB" in q}
        ours = {f"{{{CEB_NS}}}{m.root}" for m in MESSAGES if m.family is family}
        assert ours == roots

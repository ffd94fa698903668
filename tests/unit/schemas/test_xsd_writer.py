"""The committed XSDs are what the writer produces from the definition, and are the project's own."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from schemas.definition.model import Facets
from schemas.xsd_writer import XSD_DIR, rendered, type_name, write_all
from tests.conftest import official_root


def test_committed_xsds_are_up_to_date_with_the_definition() -> None:
    stale = [
        name for name, text in rendered().items() if (XSD_DIR / name).read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"run `python -m schemas.xsd_writer`: {stale}"


def test_every_committed_xsd_compiles() -> None:
    for path in sorted(XSD_DIR.glob("*.xsd")):
        if path.name != "xmldsig.xsd":
            etree.XMLSchema(etree.parse(str(path)))


def test_no_committed_xsd_is_a_copy_of_an_official_file() -> None:
    official = {path.read_bytes() for path in (official_root() / "xsd").glob("*.xsd")}
    assert not [path.name for path in XSD_DIR.glob("*.xsd") if path.read_bytes() in official]


def test_type_names_spell_their_facets() -> None:
    assert type_name(Facets.parse("C36")) == "ceb:str_len36"
    assert type_name(Facets.parse("C1..60", collapse=True)) == "ceb:str_min1_max60_c"
    assert type_name(Facets.parse("N19,5")) == "ceb:dec_t19_f5"
    assert type_name(Facets.parse("N9", integer=True)) == "ceb:int_t9"
    assert type_name(Facets.parse("int")) == "xs:int"
    assert type_name(Facets.parse("C")) == "xs:string"


def test_the_writer_can_target_another_directory(tmp_path: Path) -> None:
    written = write_all(tmp_path)
    assert len(written) == 42
    assert (tmp_path / "CEB311Message.xsd").read_text(encoding="utf-8") == rendered()["CEB311Message.xsd"]

"""Write the project's XSDs from the declarative definition (`schemas.definition`).

Layout: one XSD per message (`schemas/xsd/CEB311Message.xsd`), whose only global element is the
message root. One small schema per root keeps compilation cheap, lets the loader find the schema
from the root's QName alone, and keeps a validation error local to the message it concerns.
Facets become named simple types (`ceb:str_max60`, `ceb:dec_t19_f5`), one per distinct facet set.
`xmldsig.xsd` and `dxp.xsd` beside them are hand-written (from the W3C XML-DSig recommendation
and the DXP terminal-node spec) and are not touched here.

Run `python -m schemas.xsd_writer` after changing the definition; a unit test fails while the
committed files are out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from schemas.definition import MESSAGES
from schemas.definition.envelope import BASE_SUBSCRIBE, EXTEND_MESSAGE, base_transfer
from schemas.definition.model import CEB_NS, DS_NS, Facets, Field, Group, Kind, Message, Trailer

XSD_DIR = Path(__file__).resolve().parent / "xsd"
DSIG_FILE = "xmldsig.xsd"
GUID = Facets.parse("C36")
VERSION = Facets.parse("C1..10")
_INDENT = "  "


def type_name(facets: Facets) -> str:
    """A stable QName for one facet set; built-ins when there is nothing to restrict."""
    suffix = "_c" if facets.collapse else ""
    if facets.kind is Kind.INT:
        return f"ceb:int_t{facets.total_digits}{suffix}" if facets.total_digits else "xs:int"
    if facets.kind is Kind.DECIMAL:
        total = f"_t{facets.total_digits}" if facets.total_digits is not None else ""
        fraction = f"_f{facets.fraction_digits}" if facets.fraction_digits is not None else ""
        return f"ceb:dec{total}{fraction}{suffix}"
    low, high = facets.min_length, facets.max_length
    if low is None and high is None and not facets.collapse:
        return "xs:string"
    if low is not None and low == high:
        return f"ceb:str_len{low}{suffix}"
    parts = ([f"min{low}"] if low else []) + ([f"max{high}"] if high is not None else [])
    return "ceb:str" + "".join(f"_{part}" for part in parts) + suffix


def simple_type(facets: Facets) -> list[str]:
    """The `xs:simpleType` declaration behind `type_name(facets)`."""
    base = {Kind.INT: "xs:int", Kind.DECIMAL: "xs:decimal", Kind.STRING: "xs:string"}[facets.kind]
    lines = [f'<xs:simpleType name="{type_name(facets).removeprefix("ceb:")}">']
    lines.append(f'{_INDENT}<xs:restriction base="{base}">')
    for facet, value in _facet_values(facets):
        lines.append(f'{_INDENT * 2}<xs:{facet} value="{value}"/>')
    lines.append(f"{_INDENT}</xs:restriction>")
    lines.append("</xs:simpleType>")
    return lines


def _facet_values(facets: Facets) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    if facets.collapse:
        values.append(("whiteSpace", "collapse"))
    if facets.min_length is not None and facets.min_length == facets.max_length:
        values.append(("length", str(facets.min_length)))
    else:
        if facets.min_length:
            values.append(("minLength", str(facets.min_length)))
        if facets.max_length is not None:
            values.append(("maxLength", str(facets.max_length)))
    if facets.total_digits is not None:
        values.append(("totalDigits", str(facets.total_digits)))
    if facets.kind is Kind.DECIMAL and facets.fraction_digits is not None:
        values.append(("fractionDigits", str(facets.fraction_digits)))
    return values


def _occurs(min_occurs: int, max_occurs: int | None) -> str:
    text = "" if min_occurs == 1 else f' minOccurs="{min_occurs}"'
    if max_occurs != 1:
        text += ' maxOccurs="unbounded"' if max_occurs is None else f' maxOccurs="{max_occurs}"'
    return text


def _value_constraint(field: Field) -> str:
    if field.fixed is not None:
        return f' fixed="{field.fixed}"'
    return f' default="{field.default}"' if field.default is not None else ""


class _Writer:
    """Accumulates the lines of one message schema and the facet sets it uses."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.types: dict[str, Facets] = {}

    def emit(self, depth: int, text: str) -> None:
        self.lines.append(_INDENT * depth + text)

    def use(self, facets: Facets) -> str:
        name = type_name(facets)
        if name.startswith("ceb:"):
            self.types[name] = facets
        return name

    def node(self, node: Field | Group, depth: int) -> None:
        if isinstance(node, Field):
            occurs = _occurs(node.min_occurs, 1) + _value_constraint(node)
            self.emit(depth, f'<xs:element name="{node.name}" type="{self.use(node.facets)}"{occurs}/>')
            return
        self.emit(depth, f'<xs:element name="{node.name}"{_occurs(node.min_occurs, node.max_occurs)}>')
        self.emit(depth + 1, "<xs:complexType>")
        self.emit(depth + 2, "<xs:sequence>")
        for child in node.children:
            self.node(child, depth + 3)
        if node is EXTEND_MESSAGE:
            self.extend_message_body(depth + 3)
        self.emit(depth + 2, "</xs:sequence>")
        self.emit(depth + 1, "</xs:complexType>")
        self.emit(depth, "</xs:element>")

    def extend_message_body(self, depth: int) -> None:
        """`ExtendMessage/Message`: any one element, not validated (a local customs office's own XML)."""
        self.emit(depth, '<xs:element name="Message">')
        self.emit(depth + 1, "<xs:complexType>")
        self.emit(depth + 2, "<xs:sequence>")
        self.emit(depth + 3, '<xs:any namespace="##any" processContents="skip" minOccurs="0"/>')
        self.emit(depth + 2, "</xs:sequence>")
        self.emit(depth + 1, "</xs:complexType>")
        self.emit(depth, "</xs:element>")

    def signature(self, message: Message, depth: int) -> None:
        occurs = "" if message.signature_required else ' minOccurs="0"'
        self.emit(depth, f'<xs:element ref="ds:Signature"{occurs}/>')

    def trailer(self, message: Message, depth: int) -> None:
        if message.trailer is Trailer.NONE:
            return
        self.node(base_transfer(message.family), depth)
        self.node(BASE_SUBSCRIBE, depth)
        if message.trailer is Trailer.EXTEND_THEN_SIGNATURE:
            self.node(EXTEND_MESSAGE, depth)
            self.signature(message, depth)
        else:
            self.signature(message, depth)
            self.node(EXTEND_MESSAGE, depth)

    def root(self, message: Message) -> None:
        self.emit(1, f'<xs:element name="{message.root}">')
        self.emit(2, "<xs:complexType>")
        self.emit(3, "<xs:sequence>")
        self.node(message.documents, 4)
        self.trailer(message, 4)
        self.emit(3, "</xs:sequence>")
        self.emit(3, f'<xs:attribute name="guid" type="{self.use(GUID)}" use="required"/>')
        self.emit(3, f'<xs:attribute name="version" type="{self.use(VERSION)}" use="required"/>')
        self.emit(2, "</xs:complexType>")
        self.emit(1, "</xs:element>")


def message_xsd(message: Message) -> str:
    """The complete XSD text of one message."""
    writer = _Writer()
    writer.root(message)
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:ceb="{CEB_NS}" xmlns:ds="{DS_NS}"'
        f' targetNamespace="{CEB_NS}" elementFormDefault="qualified" attributeFormDefault="unqualified">',
    ]
    if message.trailer is not Trailer.NONE:
        head.append(f'{_INDENT}<xs:import namespace="{DS_NS}" schemaLocation="{DSIG_FILE}"/>')
    types = [f"{_INDENT}{line}" for name in sorted(writer.types) for line in simple_type(writer.types[name])]
    return "\n".join([*head, *writer.lines, *types, "</xs:schema>", ""])


def schema_file(message: Message) -> str:
    """The file name of a message's XSD inside `XSD_DIR`."""
    return f"{message.root}.xsd"


def rendered() -> dict[str, str]:
    """Every generated file name with its text."""
    return {schema_file(message): message_xsd(message) for message in MESSAGES}


def write_all(target: Path = XSD_DIR) -> list[Path]:
    """Write every message XSD into `target`; returns the files written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else XSD_DIR
    for path in write_all(target):
        print(path)


if __name__ == "__main__":
    main()

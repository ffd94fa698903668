"""Flatten an XSD element declaration into comparable lines: one per element, attribute and wildcard.

Two schemas give the same verdicts on every document rooted at an element when their flattened
lines are equal (for the XSD features the CEB schemas use: sequences, wildcards, facets on
string/decimal/int). The conformance tests use it to diff the project's schemas against the
official ones, so that a difference reads as `CEB311Message/Order/OrderHead/orderNo ...`.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
_BUILTIN_FACETS = {"whiteSpace", "length", "minLength", "maxLength", "totalDigits", "fractionDigits"}


def _q(tag: str) -> str:
    return f"{{{XS}}}{tag}"


class SchemaSet:
    """The global declarations of a schema file and of the files it imports, by QName."""

    def __init__(self, path: Path) -> None:
        self.elements: dict[str, etree._Element] = {}
        self.types: dict[str, etree._Element] = {}
        self._load(path.resolve(), set())

    def _load(self, path: Path, seen: set[Path]) -> None:
        if path in seen:
            return
        seen.add(path)
        root = etree.parse(str(path)).getroot()
        namespace = root.get("targetNamespace", "")
        for child in root:
            name = child.get("name")
            if child.tag == _q("element") and name:
                self.elements[f"{{{namespace}}}{name}"] = child
            elif child.tag in (_q("complexType"), _q("simpleType")) and name:
                self.types[f"{{{namespace}}}{name}"] = child
            elif child.tag == _q("import") and child.get("schemaLocation"):
                self._load(path.parent / str(child.get("schemaLocation")), seen)

    def resolve(self, node: etree._Element, attribute: str) -> str:
        """Expand a QName-valued attribute with the node's namespace map."""
        prefix, _, local = str(node.get(attribute)).rpartition(":")
        return f"{{{node.nsmap.get(prefix or None, '')}}}{local}"


def flatten(schemas: SchemaSet, root_qname: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """The lines describing the element `root_qname` and everything below it.

    References to a QName in `stop` (e.g. `ds:Signature`) are listed but not expanded.
    """
    flattener = _Flattener(schemas, stop)
    flattener.element(schemas.elements[root_qname], "")
    return flattener.lines


def _occurs(node: etree._Element) -> str:
    return f"[{node.get('minOccurs', '1')}..{node.get('maxOccurs', '1')}]"


class _Flattener:
    def __init__(self, schemas: SchemaSet, stop: frozenset[str]) -> None:
        self.schemas = schemas
        self.stop = stop
        self.lines: list[str] = []

    def element(self, node: etree._Element, parent: str) -> None:
        occurs = _occurs(node)
        if node.get("ref"):
            qname = self.schemas.resolve(node, "ref")
            if qname in self.stop:
                self.lines.append(f"{parent}/{qname} {occurs} ref")
                return
            node = self.schemas.elements[qname]
        path = f"{parent}/{node.get('name')}"
        occurs += "".join(
            f" {key}={node.get(key)}" for key in ("fixed", "default", "nillable") if node.get(key)
        )
        if node.get("type"):
            qname = self.schemas.resolve(node, "type")
            if qname.startswith(f"{{{XS}}}"):
                self.lines.append(f"{path} {occurs} {qname.split('}')[1]}")
            else:
                self.type_body(self.schemas.types[qname], path, occurs)
            return
        inline = [child for child in node if child.tag in (_q("complexType"), _q("simpleType"))]
        if inline:
            self.type_body(inline[0], path, occurs)
        else:
            self.lines.append(f"{path} {occurs} anyType")

    def type_body(self, body: etree._Element, path: str, occurs: str) -> None:
        if body.tag == _q("simpleType"):
            self.lines.append(f"{path} {occurs} {_simple(self.schemas, body)}")
            return
        self.lines.append(f"{path} {occurs} complex mixed={body.get('mixed', 'false')}")
        for child in body.iter(_q("attribute")):
            use = child.get("use", "optional")
            self.lines.append(f"{path}/@{child.get('name')} {use} {_attribute(self.schemas, child)}")
        for sequence in body.iterchildren(_q("sequence")):
            for child in sequence:
                if child.tag == _q("element"):
                    self.element(child, path)
                elif child.tag == _q("any"):
                    self.lines.append(f"{path}/* {_occurs(child)} any {child.get('processContents')}")
        for content in body.iterchildren(_q("simpleContent")):
            self.lines.append(f"{path} simpleContent {etree.tostring(content, method='c14n')!r}")


def _attribute(schemas: SchemaSet, node: etree._Element) -> str:
    fixed = f" fixed={node.get('fixed')}" if node.get("fixed") else ""
    if node.get("type"):
        qname = schemas.resolve(node, "type")
        if qname.startswith(f"{{{XS}}}"):
            return qname.split("}")[1] + fixed
        return _simple(schemas, schemas.types[qname]) + fixed
    inline = node.find(_q("simpleType"))
    return (_simple(schemas, inline) if inline is not None else "anySimpleType") + fixed


def _simple(schemas: SchemaSet, node: etree._Element) -> str:
    restriction = node.find(_q("restriction"))
    assert restriction is not None, "only restrictions are used"
    base = schemas.resolve(restriction, "base").split("}")[1]
    facets: dict[str, str] = {}
    for facet in restriction:
        local = etree.QName(facet).localname
        assert local in _BUILTIN_FACETS, f"unexpected facet {local}"
        facets[local] = str(facet.get("value"))
    if "length" in facets:
        facets["minLength"] = facets["maxLength"] = facets.pop("length")
    if facets.get("minLength") == "0":
        del facets["minLength"]
    return base + "".join(f" {key}={facets[key]}" for key in sorted(facets))

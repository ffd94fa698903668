"""Seeded mutations of XML documents for the differential fuzz test.

Each operator takes a tree (mutated in place) and a `random.Random`, and returns the operator's
name. Values are chosen near the facet boundaries the CEB schemas use (lengths 0, 1, 3, 18, 36,
60, 100, 1000 ±1; 19/5 and 9/5 digits), with whitespace that `whiteSpace="collapse"` would remove,
and with lexical forms that only some numeric types accept.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable

from lxml import etree

OTHER_NS = "http://example.com/not-ceb"
LENGTHS = (0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 14, 15, 17, 18, 19, 20, 21, 30, 31, 32, 33, 36, 37, 50, 51)
LONG_LENGTHS = (60, 61, 64, 65, 100, 101, 200, 201, 250, 251, 255, 256, 500, 501, 510, 511, 1000, 1001)
NUMBERS = (
    "0",
    "1",
    "-1",
    "+1",
    "1.0",
    "1.",
    ".5",
    "00001",
    "1e5",
    "abc",
    "１",
    "12345.123456",
    "12345.12345",
    "99999",
    "100000",
    "123456789",
    "1234567890",
    "2147483647",
    "2147483648",
    "12345678901234.12345",
    "123456789012345.12345",
    "12345678901234567890",
    "1234567890123456789",
    "0.000001",
    "1.100000",
    " 7 ",
    "NaN",
    "INF",
)
WORDS = ("ALL", "DXP", "X", "9", "I", "E", "无", "东方物通", "a b", "a  b", "<&>", "DXPENT0000458763")

Tree = etree._Element
Operator = Callable[[Tree, random.Random], str]


def _elements(root: Tree) -> list[Tree]:
    return [element for element in root.iter() if isinstance(element.tag, str)]


def _non_root(root: Tree) -> list[Tree]:
    return _elements(root)[1:]


def _leaves(root: Tree) -> list[Tree]:
    return [element for element in _non_root(root) if len(element) == 0]


def delete_element(root: Tree, rng: random.Random) -> str:
    element = rng.choice(_non_root(root))
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)
    return "delete"


def duplicate_element(root: Tree, rng: random.Random) -> str:
    element = rng.choice(_non_root(root))
    element.addnext(copy.deepcopy(element))
    return "duplicate"


def swap_with_next(root: Tree, rng: random.Random) -> str:
    candidates = [element for element in _non_root(root) if element.getnext() is not None]
    if not candidates:
        return delete_element(root, rng)
    element = rng.choice(candidates)
    following = element.getnext()
    assert following is not None
    following.addnext(element)
    return "reorder"


def rename_element(root: Tree, rng: random.Random) -> str:
    element = rng.choice(_non_root(root))
    qname = etree.QName(element)
    names = sorted({etree.QName(other).localname for other in _non_root(root)})
    local = rng.choice([*names, qname.localname + "X", qname.localname.upper(), qname.localname[:-1] or "x"])
    element.tag = etree.QName(qname.namespace, local).text
    return "rename"


def wrong_namespace(root: Tree, rng: random.Random) -> str:
    element = rng.choice(_elements(root))
    local = etree.QName(element).localname
    element.tag = rng.choice([f"{{{OTHER_NS}}}{local}", local])
    return "namespace"


def extra_element(root: Tree, rng: random.Random) -> str:
    parent = rng.choice(_elements(root))
    namespace = etree.QName(parent).namespace
    name = rng.choice(["extra", "note", "guid", "BaseSubscribe", "ExtendMessage"])
    extra = etree.Element(etree.QName(namespace, name).text)
    extra.text = rng.choice(["", "1", "DXP"])
    parent.insert(rng.randint(0, len(parent)), extra)
    return "extra"


def _set_leaf(root: Tree, rng: random.Random, text: str) -> None:
    rng.choice(_leaves(root)).text = text


def too_long(root: Tree, rng: random.Random) -> str:
    length = rng.choice(LENGTHS + LONG_LENGTHS)
    _set_leaf(root, rng, rng.choice(["A", "中", "1"]) * length)
    return "length"


def bad_pattern(root: Tree, rng: random.Random) -> str:
    leaf = rng.choice(_leaves(root))
    original = leaf.text or ""
    leaf.text = rng.choice(
        [f" {original} ", f"\n{original}", f"{original}\t", original.replace("", " ")[:80], *WORDS]
    )
    return "pattern"


def bad_number(root: Tree, rng: random.Random) -> str:
    _set_leaf(root, rng, rng.choice(NUMBERS))
    return "number"


def bad_enumeration(root: Tree, rng: random.Random) -> str:
    _set_leaf(root, rng, rng.choice((*WORDS, "0", "3", "Z", "999", "CNY", "USD")))
    return "enumeration"


def empty_value(root: Tree, rng: random.Random) -> str:
    element = rng.choice(_non_root(root))
    if len(element) and rng.random() < 0.5:
        for child in list(element):
            element.remove(child)
    element.text = rng.choice([None, "", " "])
    return "empty"


def attribute_mutation(root: Tree, rng: random.Random) -> str:
    target = root if rng.random() < 0.7 else rng.choice(_elements(root))
    choice = rng.randrange(4)
    if choice == 0 and target.attrib:
        del target.attrib[rng.choice(sorted(target.attrib))]
    elif choice == 1:
        target.set(rng.choice(["guid", "version"]), rng.choice(["", "1.0", "x" * 11, "A" * 36, "A" * 35]))
    elif choice == 2:
        target.set(rng.choice(["extra", "Id", f"{{{OTHER_NS}}}foreign"]), rng.choice(["1", "id1", ""]))
    else:
        target.set("version", rng.choice(["1.0", "10charsxxx", "11charsxxxx", " "]))
    return "attribute"


OPERATORS: tuple[Operator, ...] = (
    delete_element,
    duplicate_element,
    swap_with_next,
    rename_element,
    wrong_namespace,
    extra_element,
    too_long,
    too_long,
    bad_pattern,
    bad_number,
    bad_number,
    bad_enumeration,
    empty_value,
    attribute_mutation,
)


def mutate(original: Tree, rng: random.Random) -> tuple[Tree, tuple[str, ...]]:
    """A mutated deep copy of `original` (one to three operators) and the operators applied."""
    root = copy.deepcopy(original)
    count = rng.choice((1, 1, 1, 2, 3))
    applied = tuple(rng.choice(OPERATORS)(root, rng) for _ in range(count))
    return root, applied

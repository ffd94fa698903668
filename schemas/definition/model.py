"""The declarative model of a CEB message: what the XSDs, the codec and the docs are generated from.

A message definition is a tree. Its leaves are `Field`s written in the spec's own notation
(`C36`, `C..60`, `C1..60`, `N19,5`, `N9`, `int`), its inner nodes are `Group`s with their
cardinality, and the root is a `Message` that also says who sends it and which envelope it has.

This module is pure: it imports nothing but the standard library, so that the core, the
XSD writer, the codec and the docs can all read the same facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

CEB_NS = "http://www.chinaport.gov.cn/ceb"
DXP_NS = "http://www.chinaport.gov.cn/dxp"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

UNBOUNDED = None


class Family(Enum):
    IMPORT = "import"
    EXPORT = "export"


class Sender(Enum):
    ENTERPRISE = "enterprise"
    CUSTOMS = "customs"


class Kind(Enum):
    STRING = "string"
    DECIMAL = "decimal"
    INT = "int"


class Trailer(Enum):
    """Which envelope follows the business documents (the two XSD families order it differently)."""

    NONE = "none"  # receipts and customs-sent messages: documents only
    EXTEND_THEN_SIGNATURE = "extend-then-signature"  # import declarations
    SIGNATURE_THEN_EXTEND = "signature-then-extend"  # export declarations


_STRING_FORMAT = re.compile(r"^C(?:(?P<exact>\d+)|(?P<min>\d*)\.\.(?P<max>\d+))?$")
_DECIMAL_FORMAT = re.compile(r"^N(?P<total>\d+)(?:,(?P<fraction>\d+))?$")


@dataclass(frozen=True)
class Facets:
    """The XSD facets of one simple type."""

    kind: Kind
    min_length: int | None = None
    max_length: int | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    collapse: bool = False  # xs:whiteSpace collapse

    @classmethod
    def parse(cls, notation: str, *, collapse: bool = False, integer: bool = False) -> Facets:
        """Read the spec notation: `C36`, `C..60`, `C1..60`, `N19,5`, `N9`, `int`, `C` (any text).

        The spec writes `N9` both for xs:decimal and for xs:int with totalDigits 9; `integer=True`
        says it is the latter (the official XSD decides, and the verdicts differ: `1.0`, `+1`).
        """
        if notation == "int":
            return cls(Kind.INT, collapse=collapse)
        if integer:
            match = _DECIMAL_FORMAT.match(notation)
            if not match or match["fraction"]:
                raise ValueError(f"an integer field needs the notation Nn, not {notation!r}")
            return cls(Kind.INT, total_digits=int(match["total"]), collapse=collapse)
        if match := _STRING_FORMAT.match(notation):
            if match["exact"]:
                exact = int(match["exact"])
                return cls(Kind.STRING, min_length=exact, max_length=exact, collapse=collapse)
            low = int(match["min"]) if match["min"] else None
            high = int(match["max"]) if match["max"] else None
            return cls(Kind.STRING, min_length=low, max_length=high, collapse=collapse)
        if match := _DECIMAL_FORMAT.match(notation):
            fraction = int(match["fraction"]) if match["fraction"] else 0
            return cls(
                Kind.DECIMAL, total_digits=int(match["total"]), fraction_digits=fraction, collapse=collapse
            )
        raise ValueError(f"unknown field format {notation!r}")


@dataclass(frozen=True)
class Field:
    """A leaf element: `<name>text</name>`."""

    name: str
    format: str
    required: bool
    doc: str = ""
    collapse: bool = False  # xs:whiteSpace collapse, where the official XSD says so
    integer: bool = False  # `Nn` is xs:int with totalDigits n rather than xs:decimal
    fixed: str | None = None  # the only value allowed (an empty element takes it)
    default: str | None = None  # the value an empty element takes

    @property
    def facets(self) -> Facets:
        return Facets.parse(self.format, collapse=self.collapse, integer=self.integer)

    @property
    def min_occurs(self) -> int:
        return 1 if self.required else 0


@dataclass(frozen=True)
class Group:
    """An element holding other elements in a fixed order (`xs:sequence`)."""

    name: str
    min_occurs: int
    max_occurs: int | None  # None = unbounded
    children: tuple[Field | Group, ...]
    doc: str = ""

    def child(self, name: str) -> Field | Group:
        for node in self.children:
            if node.name == name:
                return node
        raise KeyError(f"{self.name} has no child {name!r}")

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(node for node in self.children if isinstance(node, Field))

    @property
    def groups(self) -> tuple[Group, ...]:
        return tuple(node for node in self.children if isinstance(node, Group))


@dataclass(frozen=True)
class Message:
    """One CEB message: `CEBnnnMessage @guid @version` with its documents and envelope."""

    code: str  # "CEB311"
    family: Family
    sender: Sender
    title: str  # Chinese name from the spec
    documents: Group  # the repeated business-document element (Order, Payment, OrderReturn, ...)
    trailer: Trailer = Trailer.NONE
    signature_required: bool = False
    answers: str | None = None  # the code this receipt answers, for customs-sent receipts
    extra: tuple[str, ...] = field(default=())  # free notes for the docs

    @property
    def root(self) -> str:
        return f"{self.code}Message"

    @property
    def has_base_transfer(self) -> bool:
        return self.trailer is not Trailer.NONE

"""Validate a CEB or DXP document against the project's XSDs, chosen by the root element's QName.

The hot path is lxml's `XMLSchema` over an already-parsed tree: the gateway parses once with
`schemas.safe_xml` and calls `validate_tree`; `validate(bytes)` parses and then does the same.
Every outcome is a `Verdict` value, never an exception: invalid, unknown, empty or hostile input
all come back as `valid=False` with violations saying why.

Each XSD is compiled lazily, once per process. libxml2 validation itself is thread-safe, but an
lxml `XMLSchema` object writes every validation's errors into one shared error log, so a compiled
schema is leased to one validation at a time; a second copy is compiled only when two threads
validate the same message type at the same moment (`SchemaRegistry.compiled` counts them).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from schemas.definition import MESSAGES
from schemas.definition.model import CEB_NS, DS_NS, DXP_NS
from schemas.safe_xml import DEFAULT_LIMITS, Limits, XmlInputError, parse
from schemas.xsd_writer import XSD_DIR, schema_file

MAX_VIOLATIONS = 100

# libxml2 builds its table of XSD built-in types on the first schema compilation, without a lock.
# Threads compiling at the same moment (the first burst of requests on a fresh gateway) could leave
# the table broken for the life of the process: every later compilation then failed ("Internal
# error: xmlSchemaPValAttrNodeValue, the given type is not a built-in type") and every message was
# answered 500. Compilations are rare (a copy per concurrent validation, kept), so they take turns.
_COMPILING = threading.Lock()
PREFIXES = {CEB_NS: "ceb", DS_NS: "ds", DXP_NS: "dxp"}
DXP_ROOTS = ("DxpMsg", "DxpRep")


@dataclass(frozen=True)
class Violation:
    """One reason a document is refused: where (line, readable path) and what."""

    line: int
    path: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """The outcome of validating one document; `message_type` is e.g. `CEB311`, `DxpMsg` or None."""

    message_type: str | None
    valid: bool
    violations: tuple[Violation, ...] = ()


def schema_files() -> dict[str, tuple[str, str]]:
    """Root QName (`{ns}local`) -> (message type, XSD file name) for every root we validate."""
    roots = {f"{{{CEB_NS}}}{m.root}": (m.code, schema_file(m)) for m in MESSAGES}
    roots.update({f"{{{DXP_NS}}}{name}": (name, "dxp.xsd") for name in DXP_ROOTS})
    return roots


class _SchemaPool:
    """Compiled copies of one XSD, each used by one validation at a time.

    `list.pop` and `list.append` are atomic in CPython, so leasing needs no lock.
    """

    def __init__(self, path: Path, registry: SchemaRegistry) -> None:
        self._path = path
        self._registry = registry
        self._idle: list[etree.XMLSchema] = []

    def acquire(self) -> etree.XMLSchema:
        try:
            return self._idle.pop()
        except IndexError:
            return self._registry.compile(self._path)

    def release(self, schema: etree.XMLSchema) -> None:
        self._idle.append(schema)


class SchemaRegistry:
    """The project's schemas for one process, compiled on first use."""

    def __init__(self, xsd_dir: Path = XSD_DIR, limits: Limits = DEFAULT_LIMITS) -> None:
        self._xsd_dir = xsd_dir
        self._limits = limits
        self._roots = schema_files()
        self._valid = {message_type: Verdict(message_type, True) for message_type, _ in self._roots.values()}
        self._pools: dict[str, _SchemaPool] = {}
        self._lock = threading.Lock()
        self.compiled = 0

    def compile(self, path: Path) -> etree.XMLSchema:
        """Compile one XSD file (imports resolve beside it; no network), one compilation at a time."""
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        with _COMPILING:
            schema = etree.XMLSchema(etree.parse(str(path), parser))
            self.compiled += 1
        return schema

    def _pool(self, file_name: str) -> _SchemaPool:
        pool = self._pools.get(file_name)
        if pool is not None:
            return pool
        with self._lock:
            return self._pools.setdefault(file_name, _SchemaPool(self._xsd_dir / file_name, self))

    def validate(self, data: bytes) -> Verdict:
        """Parse `data` safely and validate it."""
        try:
            root = parse(data, self._limits)
        except XmlInputError as error:
            return Verdict(None, False, (Violation(error.line, "", error.message),))
        return self.validate_tree(root)

    def validate_tree(self, root: etree._Element) -> Verdict:
        """Validate an already-parsed document, found by its root element."""
        found = self._roots.get(root.tag) if isinstance(root.tag, str) else None
        if found is None:
            message = f"unknown root element {readable_name(root)}: no CEB or DXP schema declares it"
            return Verdict(
                None, False, (Violation(root.sourceline or 0, "/" + readable_name(root), message),)
            )
        message_type, file_name = found
        pool = self._pool(file_name)
        schema = pool.acquire()
        try:
            if schema.validate(root):
                return self._valid[message_type]
            entries = list(schema.error_log)
        except etree.LxmlError as exc:
            return Verdict(message_type, False, (Violation(0, "", f"validation failed: {exc}"),))
        finally:
            pool.release(schema)
        return Verdict(message_type, False, violations(entries, root))

    def warm(self) -> None:
        """Compile every schema now (e.g. at service start-up) instead of on first use."""
        for _, file_name in self._roots.values():
            pool = self._pool(file_name)
            pool.release(pool.acquire())


def violations(entries: list[etree._LogEntry], root: etree._Element) -> tuple[Violation, ...]:
    """Readable violations from libxml2's log, at most `MAX_VIOLATIONS` plus a note of the rest."""
    found = [
        Violation(entry.line, readable_path(entry.path, root), readable_message(entry.message))
        for entry in entries[:MAX_VIOLATIONS]
    ]
    if len(entries) > MAX_VIOLATIONS:
        found.append(Violation(0, "", f"... and {len(entries) - MAX_VIOLATIONS} more violations"))
    return tuple(found)


def readable_name(element: etree._Element) -> str:
    """`ceb:OrderHead` for known namespaces, `{uri}name` for others, `name` without one."""
    qname = etree.QName(element)
    if qname.namespace is None:
        return qname.localname
    prefix = PREFIXES.get(qname.namespace)
    return f"{prefix}:{qname.localname}" if prefix else f"{{{qname.namespace}}}{qname.localname}"


def readable_path(libxml_path: str | None, root: etree._Element) -> str:
    """`/ceb:CEB311Message/ceb:Order[2]/ceb:OrderHead/ceb:orderNo` whatever prefixes the input used."""
    if not libxml_path:
        return ""
    namespaces = {prefix: uri for prefix, uri in root.nsmap.items() if prefix}
    try:
        nodes = root.getroottree().xpath(libxml_path, namespaces=namespaces)
    except etree.XPathError:
        return libxml_path
    if not isinstance(nodes, list) or not nodes or not isinstance(nodes[0], etree._Element):
        return libxml_path
    return element_path(nodes[0])


def element_path(element: etree._Element) -> str:
    """The readable path of one element, with `[n]` where it has same-named siblings."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        step = readable_name(node)
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                step += f"[{same.index(node) + 1}]"
        steps.append(step)
        node = parent
    return "/" + "/".join(reversed(steps))


def readable_message(message: str) -> str:
    """libxml2's message with `{namespace}` replaced by the usual prefix."""
    for uri, prefix in PREFIXES.items():
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message


@functools.cache
def default_registry() -> SchemaRegistry:
    """The process-wide registry of the packaged XSDs (created on first use, not at import)."""
    return SchemaRegistry()


def validate(data: bytes) -> Verdict:
    """Validate raw bytes with the packaged XSDs."""
    return default_registry().validate(data)


def validate_tree(root: etree._Element) -> Verdict:
    """Validate an already-parsed tree with the packaged XSDs."""
    return default_registry().validate_tree(root)

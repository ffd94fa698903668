"""Write the record classes of `declarations.domain` from the message definition.

The records are committed source (so that mypy, editors and readers see plain classes: immutable
values made by `declarations.domain.values.value`), but they are derived: `python -m
declarations.codec.record_generator` rewrites them, and a unit test fails when the committed
files differ from what this module would write.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from declarations.codec.layout import (
    HEAD_ATTRIBUTE,
    LAYOUTS,
    LINES_ATTRIBUTE,
    RECEIPT_MODULE,
    RECEIPT_RECORD,
    Layout,
    attribute_name,
)
from declarations.codec.value_kinds import value_kind
from schemas.definition import BY_CODE, MESSAGES, Sender
from schemas.definition.model import Field

DOMAIN_DIR = Path(__file__).resolve().parents[1] / "domain"
RECEIPT_REQUIRED = frozenset({"guid", "returnStatus", "returnTime", "returnInfo"})
_MAX_LINE = 110

MODULE_DOCS = {
    "import_trade": "Import trade documents: order (CEB311), payment (CEB411), waybill (CEB511, CEB513).",
    "import_lists": "Import lists and what follows them: CEB621, CEB623, CEB625 and CEB711.",
    "export_trade": "Export trade documents: CEB303, CEB403, CEB505, CEB507 and CEB509.",
    "export_lists": "Export lists, cancellation, binding, summary and returns: CEB603-607, 701, 213, 215.",
    "customs_documents": "What customs sends: receipts, tax bills (CEB816/818), CEB900 and summary results.",
}


@dataclass(frozen=True)
class RecordClass:
    """One dataclass to write: its name, what it models, its leaf fields and nested records."""

    name: str
    doc: str
    fields: tuple[Field, ...]
    head: str | None = None
    line: str | None = None


def receipt_codes() -> tuple[str, ...]:
    """The customs-sent messages answered with the shared `Receipt` record."""
    laid_out = {layout.code for layout in LAYOUTS}
    return tuple(m.code for m in MESSAGES if m.sender is Sender.CUSTOMS and m.code not in laid_out)


def _receipt_class() -> RecordClass:
    fields: dict[str, Field] = {}
    for code in receipt_codes():
        for node in BY_CODE[code].documents.fields:
            if node.name not in fields:
                required = node.name in RECEIPT_REQUIRED
                fields[node.name] = Field(node.name, node.format, required, node.doc)
    doc = "A receipt element (`XxxReturn`) of any customs answer; keys absent from a type stay None."
    return RecordClass(RECEIPT_RECORD, doc, tuple(fields.values()))


def _layout_classes(layout: Layout) -> Iterator[RecordClass]:
    message = BY_CODE[layout.code]
    group = message.documents
    title = f"{layout.code} {message.title}"
    if layout.inline_head:
        head = group.groups[0]
        yield RecordClass(layout.document, f"{title}: `{group.name}/{head.name}`.", head.fields)
    elif layout.head is None:
        yield RecordClass(layout.document, f"{title}: the `{group.name}` element.", group.fields)
    else:
        head_group, line_group = group.groups
        assert layout.line is not None
        yield RecordClass(layout.head, f"{title}: the `{head_group.name}` element.", head_group.fields)
        yield RecordClass(layout.line, f"{title}: one `{line_group.name}` element.", line_group.fields)
        doc = f"{title}: one `{group.name}` document, its head and its lines."
        yield RecordClass(layout.document, doc, (), head=layout.head, line=layout.line)


def classes_by_module() -> dict[str, list[RecordClass]]:
    """Every record class, grouped by the domain module it is written to."""
    modules: dict[str, list[RecordClass]] = {name: [] for name in MODULE_DOCS}
    for layout in LAYOUTS:
        modules[layout.module].extend(_layout_classes(layout))
    modules[RECEIPT_MODULE].insert(0, _receipt_class())
    return modules


def _field_line(node: Field) -> str:
    annotation = value_kind(node).python_type
    line = f"    {attribute_name(node.name)}: {annotation}"
    line += "" if node.required else " | None = None"
    comment = f"  # {node.doc}" if node.doc else ""
    return line + comment if len(line + comment) <= _MAX_LINE else line


def _class_source(record: RecordClass) -> list[str]:
    lines = ["", "", "@value(kw_only=True)", f"class {record.name}:"]
    lines += [f'    """{record.doc}"""', ""]
    required = [node for node in record.fields if node.required]
    optional = [node for node in record.fields if not node.required]
    lines += [_field_line(node) for node in (*required, *optional)]
    if record.head is not None:
        lines.append(f"    {HEAD_ATTRIBUTE}: {record.head}")
        lines.append(f"    {LINES_ATTRIBUTE}: tuple[{record.line}, ...]")
    return lines


def _imports(records: Iterable[RecordClass]) -> list[str]:
    used = {value_kind(node).python_type for record in records for node in record.fields}
    lines = ["from __future__ import annotations", ""]
    times = [name for name in ("date", "datetime") if name in used]
    if times:
        lines.append(f"from datetime import {', '.join(times)}")
    if "Decimal" in used:
        lines.append("from decimal import Decimal")
    return [*lines, "", "from declarations.domain.values import value"]


def module_source(name: str, records: list[RecordClass]) -> str:
    """The text of one generated domain module."""
    header = [
        f'"""{MODULE_DOCS[name]}',
        "",
        "Generated by `python -m declarations.codec.record_generator` from `schemas.definition`:",
        "do not edit; change the definition or `declarations.codec.layout` and regenerate.",
        '"""',
        "",
    ]
    body = [line for record in records for line in _class_source(record)]
    return "\n".join(header + _imports(records) + body) + "\n"


def index_source(modules: dict[str, list[RecordClass]]) -> str:
    """The text of `declarations.domain.documents`: every document record and the `Document` union."""
    documents = [RECEIPT_RECORD] + [layout.document for layout in LAYOUTS]
    lines = [
        '"""Every business-document record, and `Document`: the union a parsed message carries.',
        "",
        "Generated by `python -m declarations.codec.record_generator`: do not edit.",
        '"""',
        "",
    ]
    for module in sorted(modules):
        lines.append(f"from declarations.domain.{module} import (")
        lines += [f"    {name}," for name in sorted(record.name for record in modules[module])]
        lines.append(")")
    lines += ["", "Document = (", f"    {documents[0]}"]
    lines += [f"    | {name}" for name in documents[1:]]
    lines += [")", "", "__all__ = ["]
    everything = sorted(["Document", *(r.name for records in modules.values() for r in records)])
    lines += [f'    "{name}",' for name in everything]
    lines.append("]")
    return "\n".join(lines) + "\n"


def generated_sources() -> dict[Path, str]:
    """Every generated file and its expected text."""
    modules = classes_by_module()
    sources = {DOMAIN_DIR / f"{name}.py": module_source(name, records) for name, records in modules.items()}
    sources[DOMAIN_DIR / "documents.py"] = index_source(modules)
    return sources


def main() -> int:
    """Rewrite the generated modules; print what changed."""
    for path, text in generated_sources().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

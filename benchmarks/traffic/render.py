"""CEB XML from plain dicts (element name → text), in the element order of `schemas.definition`.

The generator's hot path: a document is a head dict and a list of line dicts whose keys are the
spec's element names (`orderNo`, `acturalPaid`); absent keys are left out. Each
distinct set of keys gets a `str.format_map` template once, so rendering is one C call per part.
The order comes from the project's message definitions, so the text is what
`declarations.codec.build` would write, at a fraction of the cost (no records, no value encoders).
Values are written as given: the generator's tables hold no `&`, `<` or `>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from schemas.definition import BY_CODE
from schemas.definition.model import CEB_NS, Field, Group

Doc = dict[str, str]
Tags = tuple[tuple[str, str, str], ...]  # (name, "<ceb:name>", "</ceb:name>")


@dataclass(frozen=True, slots=True)
class Layout:
    root: str
    document: str
    head: str | None  # None: the document's fields sit directly in it (CEB403 Receipts)
    head_tags: Tags
    line: str | None
    line_tags: Tags


def _tags(group: Group) -> Tags:
    return tuple(
        (f.name, f"<ceb:{f.name}>", f"</ceb:{f.name}>") for f in group.children if isinstance(f, Field)
    )


@cache
def layout(code: str) -> Layout:
    message = BY_CODE[code]
    document = message.documents
    groups = document.groups
    if not groups:
        return Layout(message.root, document.name, None, _tags(document), None, ())
    head = groups[0]
    line = groups[1] if len(groups) > 1 else None
    line_tags = _tags(line) if line is not None else ()
    return Layout(message.root, document.name, head.name, _tags(head), line.name if line else None, line_tags)


_TEMPLATES: dict[tuple[str, int, tuple[str, ...]], str] = {}


def _template(code: str, part: int, tags: Tags, keys: tuple[str, ...]) -> str:
    """A `str.format_map` template of the present fields in schema order, one per set of keys."""
    template = _TEMPLATES.get((code, part, keys))
    if template is None:
        present = set(keys)
        template = "".join(
            f"{opening}{{{name}}}{closing}" for name, opening, closing in tags if name in present
        )
        _TEMPLATES[(code, part, keys)] = template
    return template


def document_xml(code: str, head: Doc, lines: list[Doc]) -> str:
    """One business document (`<ceb:Order>…</ceb:Order>`) of message `code`."""
    shape = layout(code)
    body = _template(code, 0, shape.head_tags, tuple(head)).format_map(head)
    if shape.head is not None:
        body = f"<ceb:{shape.head}>{body}</ceb:{shape.head}>"
    if lines:
        opening, closing = f"<ceb:{shape.line}>", f"</ceb:{shape.line}>"
        body += "".join(
            opening + _template(code, 1, shape.line_tags, tuple(line)).format_map(line) + closing
            for line in lines
        )
    return f"<ceb:{shape.document}>{body}</ceb:{shape.document}>"


def message_xml(code: str, guid: str, documents: list[str], transfer: tuple[str, str, str]) -> str:
    """The whole message: root with its guid, the documents, then BaseTransfer (code, name, dxpId)."""
    root = layout(code).root
    cop_code, cop_name, dxp_id = transfer
    base = (
        f"<ceb:BaseTransfer><ceb:copCode>{cop_code}</ceb:copCode><ceb:copName>{cop_name}</ceb:copName>"
        f"<ceb:dxpMode>DXP</ceb:dxpMode><ceb:dxpId>{dxp_id}</ceb:dxpId></ceb:BaseTransfer>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ceb:{root} guid="{guid}" version="1.0" '
        f'xmlns:ceb="{CEB_NS}">{"".join(documents)}{base}</ceb:{root}>'
    )

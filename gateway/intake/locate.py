"""Where in the received message a refusal's element is: its source line, for the receipt's text.

Refusals name elements by a short path (`declarations.identity.Refusal.path`): `document[2]/ebpCode`
(the second document of the message, then the first element of that name in it), `BaseTransfer/dxpId`,
`ds:Signature/ds:KeyInfo`. A path into a `DxpMsg` envelope is not in the carried message: no line.
"""

from __future__ import annotations

from lxml import etree

NOT_DOCUMENTS = frozenset({"BaseTransfer", "BaseSubscribe", "ExtendMessage", "Signature"})


def line_of(root: etree._Element, path: str) -> int | None:
    """The line of the element `path` names in the message `root`, or None if it is not there."""
    steps = [step for step in path.split("/") if step]
    node: etree._Element | None = root
    if steps and steps[0].startswith("document["):
        documents = [child for child in _elements(root) if _name(child) not in NOT_DOCUMENTS]
        index = int(steps.pop(0)[len("document[") : -1])
        node = documents[index - 1] if 1 <= index <= len(documents) else None
    for step in steps:
        if node is None:
            return None
        wanted = step.rpartition(":")[2]
        node = next((element for element in node.iter() if _name(element) == wanted), None)
    return node.sourceline if node is not None and node is not root else None


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str)]  # not comments


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""

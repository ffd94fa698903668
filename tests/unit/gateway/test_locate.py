"""The line of the element a refusal names, in the message as it was received."""

from __future__ import annotations

from lxml import etree

from gateway.intake.locate import line_of
from schemas.definition.model import CEB_NS

MESSAGE = f"""<ceb:CEB311Message xmlns:ceb="{CEB_NS}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
<ceb:Order>
<ceb:OrderHead><ceb:ebpCode>A</ceb:ebpCode></ceb:OrderHead>
</ceb:Order>
<!-- a comment between documents -->
<ceb:Order>
<ceb:OrderHead>
<ceb:ebpCode>B</ceb:ebpCode>
</ceb:OrderHead>
</ceb:Order>
<ceb:BaseTransfer><ceb:copCode>C</ceb:copCode>
<ceb:dxpId>D</ceb:dxpId></ceb:BaseTransfer>
<ds:Signature><ds:KeyInfo/></ds:Signature>
</ceb:CEB311Message>"""


def test_each_kind_of_path_finds_its_line() -> None:
    root = etree.fromstring(MESSAGE)
    assert line_of(root, "document[1]/ebpCode") == 3
    assert line_of(root, "document[2]/ebpCode") == 8  # the comment is not a document
    assert line_of(root, "BaseTransfer/dxpId") == 12
    assert line_of(root, "ds:Signature/ds:KeyInfo") == 13


def test_a_path_not_in_the_message_has_no_line() -> None:
    root = etree.fromstring(MESSAGE)
    for path in ("document[3]/ebpCode", "document[0]/ebpCode", "DxpMsg/TransInfo/SenderId", "document[1]/x"):
        assert line_of(root, path) is None, path

"""Code lists the XSD leaves open: `appType` and `appStatus` are one character there (`C1`), but
the spec defines only a few values (domain §3.2). A value outside them is a format error, answered
like an XSD violation: CEB900, with the element's line and path."""

from __future__ import annotations

from lxml import etree

from schemas.definition.model import CEB_NS
from schemas.loader import Violation, element_path

APP_TYPE, APP_STATUS = f"{{{CEB_NS}}}appType", f"{{{CEB_NS}}}appStatus"
APP_TYPES = {"1": "新增", "2": "变更", "3": "删除"}
APP_STATUSES = {"1": "暂存", "2": "申报"}
# the import cancellation (CEB623) defines only appType 1: a cancellation is not modified or deleted
ONLY_NEW = frozenset({f"{{{CEB_NS}}}CEB623Message"})


def code_list_violations(root: etree._Element) -> tuple[Violation, ...]:
    """Every appType and appStatus of the message whose value is not one the spec defines."""
    types = {"1": APP_TYPES["1"]} if root.tag in ONLY_NEW else APP_TYPES
    violations = []
    for element in root.iter(APP_TYPE, APP_STATUS):
        codes = types if element.tag == APP_TYPE else APP_STATUSES
        value = (element.text or "").strip()
        if value not in codes:
            name = etree.QName(element).localname
            defined = ", ".join(f"{code}={meaning}" for code, meaning in codes.items())
            message = f"{name} {value!r} is not one of {defined}"
            violations.append(Violation(element.sourceline or 0, element_path(element), message))
    return tuple(violations)

"""appType and appStatus values the XSD lets through but the spec does not define (domain §3.2)."""

from __future__ import annotations

from lxml import etree

from gateway.intake.code_lists import code_list_violations
from schemas.definition.model import CEB_NS


def _message(root: str, app_type: str, app_status: str = "2") -> etree._Element:
    return etree.fromstring(
        f'<ceb:{root} xmlns:ceb="{CEB_NS}">\n<ceb:Head>\n<ceb:appType>{app_type}</ceb:appType>\n'
        f"<ceb:appStatus>{app_status}</ceb:appStatus>\n</ceb:Head>\n</ceb:{root}>"
    )


def test_the_defined_codes_pass() -> None:
    for app_type in ("1", "2", "3"):
        assert code_list_violations(_message("CEB311Message", app_type, "1")) == ()


def test_an_undefined_code_is_named_with_its_line_and_path() -> None:
    (violation,) = code_list_violations(_message("CEB311Message", "1", "9"))
    assert (violation.line, violation.path) == (4, "/ceb:CEB311Message/ceb:Head/ceb:appStatus")
    assert violation.message == "appStatus '9' is not one of 1=暂存, 2=申报"


def test_a_cancellation_is_only_ever_new() -> None:
    assert code_list_violations(_message("CEB623Message", "1")) == ()
    (violation,) = code_list_violations(_message("CEB623Message", "2"))
    assert violation.message == "appType '2' is not one of 1=新增"

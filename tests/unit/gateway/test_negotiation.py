"""Which format an answer takes from the `Accept` header (RFC 9110 §12.5.1)."""

from __future__ import annotations

import pytest

from gateway.routes.negotiation import preferred

XML_FIRST = ("application/xml", "application/json", "text/xml")  # POST /ceb/messages
JSON_FIRST = ("application/json", "application/xml", "text/xml")  # GET /ceb/receipts


@pytest.mark.parametrize(
    ("accept", "xml_first", "json_first"),
    [
        (None, "application/xml", "application/json"),
        ("", "application/xml", "application/json"),
        ("*/*", "application/xml", "application/json"),
        ("application/json", "application/json", "application/json"),
        ("APPLICATION/JSON", "application/json", "application/json"),
        ("application/xml", "application/xml", "application/xml"),
        ("text/xml", "text/xml", "text/xml"),
        ("application/json;q=0.1, application/xml", "application/xml", "application/xml"),
        ("application/xml;q=0.5, application/json;q=0.9", "application/json", "application/json"),
        ("application/json, text/plain, */*", "application/json", "application/json"),  # axios
        ("application/*;q=0.2, application/json", "application/json", "application/json"),
        ("application/json;q=0, */*", "application/xml", "application/xml"),
        ("image/png", "application/xml", "application/json"),  # nothing offered: the default
        ("application/json;q=oops", "application/xml", "application/json"),
    ],
)
def test_the_highest_ranked_offered_type_wins(accept: str | None, xml_first: str, json_first: str) -> None:
    assert preferred(accept, XML_FIRST) == xml_first
    assert preferred(accept, JSON_FIRST) == json_first

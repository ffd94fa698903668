"""The hardened parser refuses hostile input and accepts every legitimate form of a CEB document."""

from __future__ import annotations

import time

import pytest

from schemas.safe_xml import Limits, XmlInputError, parse, parse_or_error
from tests.unit.schemas.builders import (
    CEB_NS,
    ceb311_sample,
    ceb311_text,
    with_declared_encoding,
    with_default_namespace,
    with_note,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol9;</lolz>"""

HOSTILE = {
    "xxe file": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
    "xxe network": b'<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]><r>&e;</r>',
    "external dtd": b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/r.dtd"><r/>',
    "parameter entity": b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>',
    "billion laughs": BILLION_LAUGHS,
    "quadratic blowup": b'<!DOCTYPE r [<!ENTITY a "' + b"x" * 50_000 + b'">]><r>' + b"&a;" * 50_000 + b"</r>",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_any_doctype_is_refused_before_anything_is_expanded_or_fetched(name: str) -> None:
    started = time.perf_counter()
    with pytest.raises(XmlInputError) as refused:
        parse(HOSTILE[name])
    assert refused.value.reason == "doctype"
    assert time.perf_counter() - started < 1


def test_a_doctype_is_refused_at_its_line() -> None:
    for data, line in ((b"<!DOCTYPE r><r/>", 1), (b'<?xml version="1.0"?>\n\n<!DOCTYPE r><r/>', 3)):
        with pytest.raises(XmlInputError) as refused:
            parse(data)
        assert refused.value.line == line


def test_a_doctype_hidden_in_utf16_is_refused_after_parsing_without_loading_it() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/r.dtd"><r/>'
    with pytest.raises(XmlInputError) as refused:
        parse(data.encode("utf-16"))
    assert refused.value.reason == "doctype"


def test_doctype_text_inside_content_is_not_mistaken_for_a_declaration() -> None:
    root = parse(b"<r><![CDATA[<!DOCTYPE x>]]></r>")
    assert root.text == "<!DOCTYPE x>"


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    with pytest.raises(XmlInputError) as refused:
        parse(b"<a>" * 65 + b"</a>" * 65)
    assert refused.value.reason == "too-deep"


def test_nesting_up_to_the_limit_is_accepted_and_one_more_is_refused_at_its_line() -> None:
    assert parse(b"<a>\n" * 64 + b"</a>" * 64, Limits(max_depth=64)) is not None
    with pytest.raises(XmlInputError) as refused:
        parse(b"<a>\n" * 6 + b"</a>" * 6, Limits(max_depth=5))
    assert (refused.value.reason, refused.value.line) == ("too-deep", 6)


def test_pathological_nesting_is_refused_by_the_parser_itself() -> None:
    assert isinstance(parse_or_error(b"<a>" * 100_000 + b"</a>" * 100_000), XmlInputError)


def test_input_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(XmlInputError) as refused:
        parse(b"<r>" + b"x" * 2000 + b"</r>", Limits(max_bytes=1000))
    assert refused.value.reason == "too-large"


@pytest.mark.parametrize(
    "data", [b"", b"   \n", b"not xml", b"<r>", b"<a></b>", b"\x00\xff\xfe", b"<r>&undefined;</r>"]
)
def test_empty_truncated_or_malformed_input_is_a_value_not_a_crash(data: bytes) -> None:
    result = parse_or_error(data)
    assert isinstance(result, XmlInputError)
    assert result.reason in {"empty", "syntax"}


def test_truncated_sample_reports_the_line() -> None:
    data = ceb311_sample()[:1500]
    result = parse_or_error(data)
    assert isinstance(result, XmlInputError)
    assert result.line > 1


def test_utf8_with_and_without_byte_order_mark_is_accepted() -> None:
    with_bom = ceb311_sample()
    assert with_bom.startswith(b"\xef\xbb\xbf")
    assert parse(with_bom).tag == f"{{{CEB_NS}}}CEB311Message"
    assert parse(with_bom[3:]).tag == f"{{{CEB_NS}}}CEB311Message"


def test_prefix_and_default_namespace_give_the_same_element() -> None:
    assert parse(with_default_namespace(ceb311_text()).encode()).tag == f"{{{CEB_NS}}}CEB311Message"


@pytest.mark.parametrize("encoding", ["GBK", "gb2312", "GB18030"])
def test_chinese_declared_encodings_are_decoded(encoding: str) -> None:
    root = parse(with_declared_encoding(ceb311_text(), encoding))
    expected = parse(ceb311_sample()).findtext(f".//{{{CEB_NS}}}ebpName")
    assert root.findtext(f".//{{{CEB_NS}}}ebpName") == expected == "东方物通科技(北京)有限公司"


def test_gb18030_characters_outside_gbk_survive() -> None:
    text = with_note(ceb311_text(), "𠀀")
    root = parse(with_declared_encoding(text, "GB18030"))
    assert (root.findtext(f".//{{{CEB_NS}}}note") or "").startswith("𠀀")


def test_bytes_that_do_not_decode_in_the_declared_encoding_are_refused() -> None:
    with pytest.raises(XmlInputError) as refused:
        parse(b'<?xml version="1.0" encoding="GBK"?><r>\x81</r>')
    assert refused.value.reason == "encoding"

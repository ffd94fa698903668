"""The loader finds the schema from the root, compiles it once, and always answers with a Verdict."""

from __future__ import annotations

import subprocess
import sys
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.loader import MAX_VIOLATIONS, SchemaRegistry, Verdict, validate, validate_tree
from schemas.safe_xml import parse
from tests.unit.schemas.builders import (
    ceb311_sample,
    ceb311_text,
    with_declared_encoding,
    with_default_namespace,
)


def test_the_official_order_sample_is_a_valid_ceb311() -> None:
    assert validate(ceb311_sample()) == Verdict("CEB311", True, ())


def test_default_namespace_and_gbk_forms_of_the_sample_are_valid() -> None:
    assert validate(with_default_namespace(ceb311_text()).encode()).valid
    assert validate(with_declared_encoding(ceb311_text(), "GBK")).valid


def test_an_already_parsed_tree_is_validated_without_reparsing() -> None:
    assert validate_tree(parse(ceb311_sample())).message_type == "CEB311"


def test_a_schema_is_compiled_once_and_only_when_first_needed() -> None:
    registry = SchemaRegistry()
    assert registry.compiled == 0
    for _ in range(3):
        assert registry.validate(ceb311_sample()).valid
    assert registry.compiled == 1


def test_concurrent_validations_each_get_their_own_error_log() -> None:
    registry = SchemaRegistry()
    broken = ceb311_text().replace("<ceb:orderNo>", "<ceb:orderNo>" + "x" * 61, 1).encode()
    results: list[tuple[bool, bool]] = []

    def work() -> None:
        for _ in range(20):
            results.append((registry.validate(ceb311_sample()).valid, registry.validate(broken).valid))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results) == {(True, False)}
    assert 1 <= registry.compiled <= 4


FIRST_COMPILATIONS = """
import threading
from schemas.loader import SchemaRegistry
from schemas.xsd_writer import XSD_DIR
registry, start, failed = SchemaRegistry(), threading.Barrier(4), []
def compile():
    start.wait()
    try:
        registry.compile(XSD_DIR / "dxp.xsd")
    except Exception as exc:
        failed.append(exc)
threads = [threading.Thread(target=compile) for _ in range(4)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print(len(failed))
"""


def test_threads_compiling_the_first_schemas_of_a_fresh_process_all_succeed() -> None:
    """libxml2's first compilation sets up global tables; threads that raced there broke every
    later compilation of the process (about one fresh process in ten, before the lock)."""
    processes = [
        subprocess.run([sys.executable, "-c", FIRST_COMPILATIONS], capture_output=True, text=True, check=True)
        for _ in range(30)
    ]
    assert [int(process.stdout) for process in processes] == [0] * 30


def test_a_violation_names_the_line_and_a_readable_path() -> None:
    broken = ceb311_text().replace("<ceb:orderNo>", "<ceb:orderNo>" + "x" * 61, 1).encode()
    (violation,) = validate(broken).violations
    assert violation.path == "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:orderNo"
    assert violation.line > 1
    assert "maxLength" in violation.message


def test_paths_are_written_with_the_ceb_prefix_even_for_a_default_namespace() -> None:
    broken = with_default_namespace(ceb311_text()).replace("<orderNo>", "<orderNo>" + "x" * 61, 1)
    (violation,) = validate(broken.encode()).violations
    assert violation.path == "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:orderNo"


def test_an_unknown_root_is_invalid_with_a_clear_violation() -> None:
    verdict = validate(b'<CEB999Message xmlns="http://www.chinaport.gov.cn/ceb"/>')
    assert verdict.message_type is None
    assert not verdict.valid
    assert "unknown root element ceb:CEB999Message" in verdict.violations[0].message


def test_violations_are_capped_with_a_note_of_how_many_more() -> None:
    text = ceb311_text()
    head, rest = text.split("<ceb:OrderList>", 1)
    body = rest.split("</ceb:OrderList>", 1)[0]
    for field in ("gnum", "qty", "price"):  # three violations per order line
        body = body.replace(f"<ceb:{field}>", f"<ceb:{field}>x", 1)
    many = (
        head
        + f"<ceb:OrderList>{body}</ceb:OrderList>" * 60
        + "</ceb:Order>"
        + text.split("</ceb:Order>", 1)[1]
    )
    violations = validate(many.encode()).violations
    assert len(violations) == MAX_VIOLATIONS + 1
    assert violations[-1].message == "... and 80 more violations"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_get_a_verdict_never_an_exception(data: bytes) -> None:
    assert isinstance(validate(data), Verdict)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=len(ceb311_sample().rstrip()) - 1))
def test_every_truncation_of_a_valid_sample_is_invalid(cut: int) -> None:
    verdict = validate(ceb311_sample()[:cut])
    assert not verdict.valid
    assert verdict.violations

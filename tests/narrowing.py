"""`of_type`: a value a test knows the kind of, checked and typed as that kind.

`parse_message(...).documents` holds any document record and `parse_event` answers either event;
where a test reads one as the kind it expects (often inside a comprehension, where an
`assert isinstance` cannot stand), `of_type(Order, document)` checks the kind and narrows it.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def of_type(kind: type[T], value: object) -> T:
    """`value` itself, failing the test unless it is a `kind`."""
    assert isinstance(value, kind), f"expected {kind.__name__}, got {type(value).__name__}"
    return value

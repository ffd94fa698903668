"""XML ↔ records for every CEB message, driven by `schemas.definition`.

    parse_message(bytes | element | tree) -> CebMessage     any CEB message, one record per document
    parse_recent(bytes) -> CebMessage                        the same, sharing the most recent parses
    build(code, documents, *, guid=None, ...) -> bytes       any CEB message from records
    build_message(CebMessage) -> bytes                       the inverse of parse_message
    new_guid() -> str                                        a fresh upper-case 36-char guid

Errors: `CodecError` ← `DecodeError(path, line, message)`, `EncodeError(path, message)`.
"""

from declarations.codec.errors import CodecError, DecodeError, EncodeError
from declarations.codec.reader import parse_message, parse_recent
from declarations.codec.writer import build, build_message, new_guid

__all__ = [
    "CodecError",
    "DecodeError",
    "EncodeError",
    "build",
    "build_message",
    "new_guid",
    "parse_message",
    "parse_recent",
]

"""The codec's errors: what went wrong, and where in the XML.

    CodecError                 anything the codec refuses
    ├── DecodeError            the XML cannot be read into records (path, line, message)
    └── EncodeError            the records cannot be written as a valid message (path, message)

Both mean "the request is invalid": they are never used for business outcomes. lxml's own
exceptions stop here and come out as `DecodeError`.
"""

from __future__ import annotations


class CodecError(Exception):
    """Base of the codec's errors."""


class DecodeError(CodecError):
    """The XML is not a readable CEB message: `path` is like `/CEB311Message/Order[2]/OrderHead/appTime`."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(f"{path} (line {line}): {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message


class EncodeError(CodecError):
    """A record cannot be written: a required value is missing or a value has the wrong type."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

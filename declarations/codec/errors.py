"""The codec's errors: what went wrong, and where in the XML.

    RequestError (declarations.errors)   the request is invalid: 4xx, dead-letter, change nothing
    └── CodecError                        anything the codec refuses
        ├── DecodeError                   the XML cannot be read into records (path, line, message)
        └── EncodeError                   the records cannot be written as a valid message (path, message)

Both mean "the input is invalid": they are never used for business outcomes. lxml's own
exceptions and `schemas.safe_xml.XmlInputError` stop here and come out as `DecodeError`.
"""

from __future__ import annotations

from declarations.errors import RequestError


class CodecError(RequestError):
    """Base of the codec's errors; `path` is like `/CEB311Message/Order[2]/OrderHead/appTime`."""

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line else self.path
        return f"{where}: {self.message}"


class DecodeError(CodecError):
    """The XML is not a readable CEB message."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(message, rule="decode", path=path, line=line)


class EncodeError(CodecError):
    """A record cannot be written: a required value is missing or a value has the wrong type."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message, rule="encode", path=path)

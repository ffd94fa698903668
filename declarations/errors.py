"""The project's one error tree. Expected business outcomes are events, never exceptions.

    CebsimError                       anything cebsim raises on purpose
    ├── RequestError                  the request is invalid: answer 4xx, dead-letter, change nothing
    │   │ (code, rule, path, line)    code = the spec's code where there is one (-621029, 0002, ...)
    │   └── ConflictError             valid, but it clashes with what is stored (409)
    ├── DependencyError               a dependency is down: answer 503 / retry later (retry_after)
    │   ├── BusUnavailableError       Kafka (or the in-process bus) cannot take or give records
    │   └── StoreUnavailableError     the database cannot be reached or written
    └── StoreRefusedError             the database refused what every check passed: a defect (500,
                                      no Retry-After: the same request would be refused again)

Adapters convert foreign exceptions (kafka.errors.*, sqlalchemy.exc.*, lxml.etree.*) into these at
the boundary (`raise BusUnavailableError(...) from exc`). The gateway maps them to HTTP in one table
and the stage shell to ack / retry / dead-letter in another.
"""

from __future__ import annotations


class CebsimError(Exception):
    """Base of every error cebsim raises on purpose."""


class RequestError(CebsimError):
    """The request (a message, a document, a command) is invalid; nothing was changed."""

    def __init__(
        self, message: str, *, code: str = "", rule: str = "", path: str = "", line: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.rule = rule
        self.path = path
        self.line = line


class ConflictError(RequestError):
    """The request is well formed but clashes with what is stored (already there, over a limit)."""


class DependencyError(CebsimError):
    """A dependency is unavailable; the same request may succeed later."""

    def __init__(self, message: str, *, retry_after_s: int = 5) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class BusUnavailableError(DependencyError):
    """The message bus cannot accept or deliver records right now."""


class StoreUnavailableError(DependencyError):
    """The database cannot be reached or written right now."""


class StoreRefusedError(CebsimError):
    """The database refused a write that every check had let through (a constraint, a value it
    cannot hold): a defect of cebsim, not of the request nor a passing outage."""


def loggable(reason: BaseException) -> str:
    """What a log line may say about a failure: its type and, for a refused request, its rule and
    where. Not the message, which can quote a value from the document: logs carry no document
    content (a dead letter keeps the whole reason in its record)."""
    text = type(reason).__name__
    if isinstance(reason, RequestError):
        where = f"{reason.path} (line {reason.line})" if reason.line else reason.path
        text += "".join(f" {part}" for part in (reason.rule, where) if part)
    return text

"""The one error this package raises: `SignatureError`, a `RequestError` of the project's error tree.

    CebsimError
    └── RequestError
        └── SignatureError    the message, key, certificate or algorithm given to sign with is unusable

Verification never raises it for a bad message: `verify_message` answers with a `SignatureCheck`
value. Foreign exceptions (cryptography, asn1crypto, lxml) stop in this package.
"""

from __future__ import annotations

from declarations.errors import RequestError


class SignatureError(RequestError):
    """A message cannot be signed, or a key or certificate cannot be read or used."""

    def __init__(self, message: str) -> None:
        super().__init__(message, rule="signature")

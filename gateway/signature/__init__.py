"""Enveloped XML-DSig over CEB business messages, as the China E-port expects (domain §6).

    sign_message(xml, identity, algorithm="rsa-sha256") -> bytes      an enterprise signs
    verify_message(root, now=...) -> SignatureCheck                    the gateway checks

Algorithms: rsa-sha1, rsa-sha256 and the 2022 E-port's sm2-sm3 (`algorithms`). Identities (a key and
its X.509 certificate) come from PEM files or from the mock E-port CA in `issuing`. Errors: one
`SignatureError` for what cannot be signed or loaded; a bad signature is a `SignatureCheck` value.
"""

from gateway.signature.algorithms import ALGORITHMS, KeyKind
from gateway.signature.errors import SignatureError
from gateway.signature.identity import SigningIdentity
from gateway.signature.issuing import issue_identity, new_key
from gateway.signature.signing import sign_message
from gateway.signature.verification import (
    CERTIFICATE_EXPIRED,
    DATA_MISMATCH,
    INVALID_SIGNATURE,
    SignatureCheck,
    verify_message,
)

__all__ = [
    "ALGORITHMS",
    "CERTIFICATE_EXPIRED",
    "DATA_MISMATCH",
    "INVALID_SIGNATURE",
    "KeyKind",
    "SignatureCheck",
    "SignatureError",
    "SigningIdentity",
    "issue_identity",
    "new_key",
    "sign_message",
    "verify_message",
]

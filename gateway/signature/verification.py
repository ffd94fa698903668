"""`verify_message`: the gateway's verdict on a CEB message's enveloped signature, as a value.

Order of the checks, and the transport code each failure gives (domain §6):

    1. a ds:Signature at all                           present=False (the caller decides if one was due)
    2. its shape (`structure`: anti-wrapping)          1001
    3. the certificate can be read                     1001
    4. SignatureValue over C14N(SignedInfo) verifies   1001  (also: a certificate swapped for another)
       under the certificate's key, of the right kind
    5. DigestValue = digest(C14N(root document         1004  (the data changed after signing)
       without the Signature))
    6. `now` lies in the certificate's validity         1002  (expired or not yet valid)

KeyName is reported, not checked: KeyInfo is outside SignedInfo, so it proves nothing (the
official samples' KeyName `0001` does not match their certificate's serial either). Which
enterprise owns the certificate is not decided here: the caller looks up
`certificate_fingerprint`. Nothing here reads files or the network; exceptions of lxml, cryptography
and asn1crypto stop here and come out as a failed `SignatureCheck`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree

from gateway.signature.certificate import Certificate, read_certificate
from gateway.signature.errors import SignatureError
from gateway.signature.primitive import verify_bytes
from gateway.signature.structure import ShapeError, SignatureParts, read_signature
from gateway.signature.xmldsig import canonical, document_digest, ds

INVALID_SIGNATURE = "1001"
CERTIFICATE_EXPIRED = "1002"
DATA_MISMATCH = "1004"


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one message's signature, with what was learnt about the certificate."""

    present: bool
    valid: bool
    algorithm: str | None = None  # "rsa-sha1" | "rsa-sha256" | "sm2-sm3" when known
    certificate_der: bytes | None = None
    certificate_serial: str | None = None  # lower-case hex
    certificate_fingerprint: str | None = None  # sha256 of the DER, lower-case hex
    not_before: datetime | None = None
    not_after: datetime | None = None
    failure: str | None = None
    code: str | None = None  # 1001 | 1002 | 1004 when not valid
    key_name: str | None = None  # KeyInfo/KeyName as sent: a hint, not signed, so never trusted


def verify_message(root: etree._Element, *, now: datetime) -> SignatureCheck:
    """Check the enveloped signature of the message whose root element is `root`, at time `now`."""
    if now.tzinfo is None:
        raise SignatureError("verify_message needs a timezone-aware `now`")
    if root.getparent() is not None or next(root.iter(ds("Signature")), None) is None:
        return _absent_or_not_root(root)
    try:
        parts = read_signature(root)
    except ShapeError as exc:
        return SignatureCheck(present=True, valid=False, failure=str(exc), code=INVALID_SIGNATURE)
    check = SignatureCheck(present=True, valid=False, algorithm=parts.algorithm.name, key_name=parts.key_name)
    try:
        certificate = read_certificate(parts.certificate_der)
    except SignatureError as exc:
        return replace(check, failure=exc.message, code=INVALID_SIGNATURE)
    check = replace(
        check,
        certificate_der=certificate.der,
        certificate_serial=certificate.serial_hex,
        certificate_fingerprint=certificate.fingerprint,
        not_before=certificate.not_before,
        not_after=certificate.not_after,
    )
    failure, code = _judge(root, parts, certificate, now)
    return replace(check, valid=failure is None, failure=failure, code=code)


def _absent_or_not_root(root: etree._Element) -> SignatureCheck:
    if root.getparent() is not None:
        failure = "verify_message needs the message's root element, not an element inside a document"
        return SignatureCheck(present=True, valid=False, failure=failure, code=INVALID_SIGNATURE)
    return SignatureCheck(present=False, valid=False, failure="the message carries no ds:Signature")


def _judge(
    root: etree._Element, parts: SignatureParts, certificate: Certificate, now: datetime
) -> tuple[str | None, str | None]:
    """(failure, code) of the first check that fails, or (None, None)."""
    if certificate.key_kind is not parts.algorithm.key_kind:
        kind = certificate.key_kind.value.upper()
        return f"an {kind} certificate cannot verify {parts.algorithm.name}", INVALID_SIGNATURE
    try:
        signed = canonical(parts.signed_info)
        data = document_digest(root, parts.signature, parts.digest_name)
    except (etree.LxmlError, ValueError) as exc:
        return f"the message cannot be canonicalised: {exc}", INVALID_SIGNATURE
    if not verify_bytes(certificate.public_key, parts.algorithm, signed, parts.signature_value):
        return "the SignatureValue does not verify under the certificate's key", INVALID_SIGNATURE
    if not hmac.compare_digest(data, parts.digest_value):
        return "the DigestValue does not match the message: the data changed after signing", DATA_MISMATCH
    return _validity(certificate, now)


def _validity(certificate: Certificate, now: datetime) -> tuple[str | None, str | None]:
    if now < certificate.not_before:
        return (
            f"the certificate is not valid before {certificate.not_before.isoformat()}",
            CERTIFICATE_EXPIRED,
        )
    if now > certificate.not_after:
        return f"the certificate expired on {certificate.not_after.isoformat()}", CERTIFICATE_EXPIRED
    return None, None

"""Reading an X.509 certificate: serial, validity, fingerprint and public key, for RSA and SM2 alike.

`cryptography` cannot load SM2 public keys, so certificates are read with asn1crypto; an RSA key is
then handed to `cryptography`, an SM2 point to `gateway.signature.sm2`. Nothing here checks a chain:
the gateway trusts a certificate by its fingerprint, registered for an enterprise.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import pem, x509  # type: ignore[import-untyped]
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from gateway.signature.algorithms import KeyKind
from gateway.signature.errors import SignatureError
from gateway.signature.sm2 import CURVE_OID, Sm2PublicKey

PublicKey = rsa.RSAPublicKey | Sm2PublicKey


@dataclass(frozen=True)
class Certificate:
    """The facts of one certificate that signing and verification need."""

    der: bytes
    serial: int
    not_before: datetime  # timezone-aware
    not_after: datetime
    subject: str
    public_key: PublicKey
    subject_values: frozenset[str] = frozenset()  # every attribute value of the subject name

    @property
    def serial_hex(self) -> str:
        """The serial in lower-case hex without leading zeros, as the enterprise registry keeps it."""
        return f"{self.serial:x}"

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER, lower-case hex: the key under which an enterprise registers it."""
        return hashlib.sha256(self.der).hexdigest()

    @property
    def key_kind(self) -> KeyKind:
        return KeyKind.SM2 if isinstance(self.public_key, Sm2PublicKey) else KeyKind.RSA


def der_from_pem_or_der(data: bytes) -> bytes:
    """The DER bytes of a certificate given as PEM ("CERTIFICATE") or as DER."""
    if not pem.detect(data):
        return data
    try:
        kind, _headers, der = pem.unarmor(data)
    except ValueError as exc:
        raise SignatureError(f"the certificate PEM cannot be read: {exc}") from exc
    if kind != "CERTIFICATE":
        raise SignatureError(f"expected a CERTIFICATE PEM block, found {kind}")
    return bytes(der)


def described(der: bytes) -> dict[str, str] | None:
    """Subject, key algorithm and validity of a registered certificate, for listings; None when the
    DER cannot be read (a registration made before certificates were checked)."""
    try:
        certificate = read_certificate(der)
    except SignatureError:
        return None
    return {
        "subject": certificate.subject,
        "algorithm": certificate.key_kind.value,
        "not_before": certificate.not_before.isoformat(),
        "not_after": certificate.not_after.isoformat(),
    }


def read_certificate(der: bytes) -> Certificate:
    """The certificate in `der`, or SignatureError saying why it cannot be used.

    Every signed message carries its sender's certificate, and parsing it cost more than the
    signature check itself, so the last certificates read are kept (a Certificate is immutable;
    failures are not kept).
    """
    return _read_certificate(bytes(der))


@functools.lru_cache(maxsize=1024)
def _read_certificate(der: bytes) -> Certificate:
    try:
        parsed = x509.Certificate.load(der, strict=True)
        tbs = parsed["tbs_certificate"]
        validity = tbs["validity"]
        return Certificate(
            der=der,
            serial=int(tbs["serial_number"].native),
            not_before=validity["not_before"].native,
            not_after=validity["not_after"].native,
            subject=str(tbs["subject"].human_friendly),
            public_key=_public_key(tbs["subject_public_key_info"]),
            subject_values=_values(tbs["subject"].native),
        )
    except (ValueError, TypeError, KeyError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"the certificate cannot be read: {exc}") from exc


def _values(names: dict[str, object]) -> frozenset[str]:
    """The subject's attribute values; an attribute given several times has a list of them."""
    values = (value if isinstance(value, list) else [value] for value in names.values())
    return frozenset(str(value) for group in values for value in group)


def _public_key(spki: x509.PublicKeyInfo) -> PublicKey:
    algorithm = spki["algorithm"]
    oid = algorithm["algorithm"].dotted
    if oid == "1.2.840.113549.1.1.1":  # rsaEncryption
        key = load_der_public_key(spki.dump())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("an rsaEncryption key that is not RSA")
        return key
    if oid == "1.2.840.10045.2.1" and _curve(algorithm) == CURVE_OID:  # id-ecPublicKey on sm2p256v1
        return Sm2PublicKey.from_point(bytes(spki["public_key"].native))
    raise ValueError(f"unsupported public key algorithm {oid} (RSA and SM2 are)")


def _curve(algorithm: x509.PublicKeyAlgorithm) -> str | None:
    parameters = algorithm["parameters"]
    if parameters.name != "named":
        return None
    return str(parameters.chosen.dotted)

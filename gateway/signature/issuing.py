"""The mock E-port CA: new RSA or SM2 identities with self-signed X.509 v3 certificates.

The real China E-port CA issues an enterprise's certificate onto an IC card; this one issues a key
and a self-signed certificate in memory, for the demo enterprises, the load generator, the tests and
integrators trying signed traffic. The subject names the enterprise: CN and O its name,
serialNumber (2.5.4.5) its customs code.

`cryptography` cannot sign with SM2, so every certificate is built the same way: the TBSCertificate
with asn1crypto, signed by `primitive.sign_bytes` (RSA: sha256WithRSAEncryption; SM2: the
sm2-with-sm3 OID 1.2.156.10197.1.501 with a DER SEQUENCE {r, s} over the TBS and the default user id),
the key on id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from asn1crypto import keys, x509  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.signature import sm2
from gateway.signature.algorithms import ALGORITHMS, KeyKind
from gateway.signature.errors import SignatureError
from gateway.signature.identity import SigningIdentity
from gateway.signature.primitive import sign_bytes
from gateway.signature.private_keys import PrivateKey

RSA_BITS = 2048
_UTC_TIME_LAST_YEAR = 2049  # RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050


def new_key(kind: KeyKind) -> PrivateKey:
    """A fresh RSA-2048 (about 100 ms) or SM2 (a few ms) private key."""
    if kind is KeyKind.SM2:
        return sm2.Sm2PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def issue_identity(
    code: str,
    name: str,
    *,
    not_before: datetime,
    not_after: datetime,
    kind: KeyKind = KeyKind.RSA,
    key: PrivateKey | None = None,
    serial: int | None = None,
) -> SigningIdentity:
    """A new identity for enterprise `code`/`name`, valid from `not_before` to `not_after` (aware).

    Pass `key` to reuse one (tests cache RSA keys), `serial` to choose the certificate serial.
    """
    if not_before.tzinfo is None or not_after.tzinfo is None or not_after <= not_before:
        raise SignatureError("the validity needs aware datetimes with not_before < not_after")
    key = key if key is not None else new_key(kind)
    subject = x509.Name.build(
        {"country_name": "CN", "organization_name": name, "common_name": name, "serial_number": code}
    )
    validity = {"not_before": _time(not_before), "not_after": _time(not_after)}
    tbs = _tbs_certificate(key, serial if serial is not None else _random_serial(), subject, validity)
    certificate = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": _signature_algorithm(key),
            "signature_value": _sign_tbs(key, tbs.dump()),
        }
    )
    return SigningIdentity.of(key, certificate.dump())


def _tbs_certificate(
    key: PrivateKey, serial: int, subject: x509.Name, validity: dict[str, x509.Time]
) -> x509.TbsCertificate:
    """The to-be-signed part of a self-signed certificate: issuer and subject are the enterprise."""
    spki = _public_key_info(key)
    return x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": _signature_algorithm(key),
            "issuer": subject,
            "validity": validity,
            "subject": subject,
            "subject_public_key_info": spki,
            "extensions": _extensions(spki),
        }
    )


def _random_serial() -> int:
    """A positive 64-bit serial, 16 hex digits like the E-port's (e.g. 03000000000cde6f)."""
    return secrets.randbits(63) | (1 << 60)


def _public_key_info(key: PrivateKey) -> keys.PublicKeyInfo:
    if isinstance(key, sm2.Sm2PrivateKey):
        curve = keys.ECDomainParameters(name="named", value=sm2.CURVE_OID)
        return keys.PublicKeyInfo(
            {"algorithm": {"algorithm": "ec", "parameters": curve}, "public_key": key.public_key.point()}
        )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return keys.PublicKeyInfo.load(der)


def _signature_algorithm(key: PrivateKey) -> dict[str, object]:
    if isinstance(key, sm2.Sm2PrivateKey):
        return {"algorithm": sm2.SIGNATURE_OID}
    return {"algorithm": "sha256_rsa", "parameters": None}


def _sign_tbs(key: PrivateKey, tbs: bytes) -> bytes:
    if isinstance(key, sm2.Sm2PrivateKey):
        return sm2.to_der(sign_bytes(key, ALGORITHMS["sm2-sm3"], tbs))
    return sign_bytes(key, ALGORITHMS["rsa-sha256"], tbs)


def _time(moment: datetime) -> x509.Time:
    kind = "utc_time" if moment.year <= _UTC_TIME_LAST_YEAR else "general_time"
    return x509.Time(name=kind, value=moment.replace(microsecond=0))


def _extensions(spki: keys.PublicKeyInfo) -> list[dict[str, object]]:
    key_id = hashlib.sha1(bytes(spki["public_key"].contents[1:]), usedforsecurity=False).digest()
    return [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}},
        {"extn_id": "key_usage", "critical": True, "extn_value": {"digital_signature", "non_repudiation"}},
        {"extn_id": "key_identifier", "critical": False, "extn_value": key_id},
    ]

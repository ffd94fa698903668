"""Private keys in PEM: RSA through `cryptography`, SM2 through asn1crypto (which knows its OID).

Written as unencrypted PKCS#8 ("PRIVATE KEY"): an SM2 key is id-ecPublicKey on the curve
1.2.156.10197.1.301 with an ECPrivateKey inside, as OpenSSL and GmSSL write it. Read: PKCS#8 of
either kind, "RSA PRIVATE KEY" (PKCS#1) and "EC PRIVATE KEY" or "SM2 PRIVATE KEY" (SEC 1) on the SM2 curve.
"""

from __future__ import annotations

from asn1crypto import keys, pem  # type: ignore[import-untyped]
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.signature.errors import SignatureError
from gateway.signature.sm2 import CURVE_OID, Sm2PrivateKey

PrivateKey = rsa.RSAPrivateKey | Sm2PrivateKey


def dump_private_key(key: PrivateKey) -> bytes:
    """`key` as an unencrypted PKCS#8 PEM block."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    info = keys.PrivateKeyInfo(
        {
            "version": 0,
            "private_key_algorithm": {"algorithm": "ec", "parameters": _sm2_curve()},
            "private_key": keys.ECPrivateKey(
                {"version": "ecPrivkeyVer1", "private_key": key.d, "public_key": key.public_key.point()}
            ),
        }
    )
    armored: bytes = pem.armor("PRIVATE KEY", info.dump())
    return armored


def load_private_key(data: bytes) -> PrivateKey:
    """The RSA or SM2 private key in the PEM `data`, or SignatureError."""
    try:
        kind, _headers, der = pem.unarmor(data)
        if kind in {"EC PRIVATE KEY", "SM2 PRIVATE KEY"}:  # SEC 1; OpenSSL names it after SM2
            return _sm2_from_ec_private_key(keys.ECPrivateKey.load(der, strict=True))
        if kind == "PRIVATE KEY" and _is_sm2(keys.PrivateKeyInfo.load(der, strict=True)):
            return _sm2_from_ec_private_key(keys.PrivateKeyInfo.load(der)["private_key"].parsed)
        if kind in {"PRIVATE KEY", "RSA PRIVATE KEY"}:
            return _rsa(data)
    except (ValueError, TypeError, KeyError, AttributeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"the private key cannot be read: {exc}") from exc
    raise SignatureError(f"unsupported private key PEM block {kind!r} (unencrypted PKCS#8, PKCS#1 or SEC 1)")


def _rsa(data: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the key is neither RSA nor SM2")
    return key


def _is_sm2(info: keys.PrivateKeyInfo) -> bool:
    algorithm = info["private_key_algorithm"]
    if algorithm["algorithm"].dotted != "1.2.840.10045.2.1":
        return False
    parameters = algorithm["parameters"]
    return bool(parameters.name == "named" and parameters.chosen.dotted == CURVE_OID)


def _sm2_from_ec_private_key(ec_key: keys.ECPrivateKey) -> Sm2PrivateKey:
    parameters = ec_key["parameters"]
    if parameters.native is not None and not (
        parameters.name == "named" and parameters.chosen.dotted == CURVE_OID
    ):
        raise ValueError("an EC key on a curve other than SM2")
    key = Sm2PrivateKey.from_scalar(int(ec_key["private_key"].native))
    public = ec_key["public_key"].native
    if public is not None and bytes(public) != key.public_key.point():
        raise ValueError("the SM2 key's public point does not belong to its private scalar")
    return key


def _sm2_curve() -> keys.ECDomainParameters:
    return keys.ECDomainParameters(name="named", value=CURVE_OID)

"""The signature primitive under each algorithm: RSA PKCS#1 v1.5 with SHA-1 or SHA-256, SM2 with SM3.

Both sides refuse a key of the wrong kind for the algorithm: an RSA certificate never verifies an
sm2-sm3 SignatureValue, and an SM2 key never signs rsa-sha256.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from gateway.signature import sm2
from gateway.signature.algorithms import Algorithm
from gateway.signature.certificate import PublicKey
from gateway.signature.errors import SignatureError
from gateway.signature.private_keys import PrivateKey

_RSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}


def sign_bytes(key: PrivateKey, algorithm: Algorithm, data: bytes) -> bytes:
    """The raw signature of `data`: PKCS#1 v1.5 bytes for RSA, r || s for SM2."""
    if isinstance(key, sm2.Sm2PrivateKey) and algorithm.hash_name == "sm3":
        return sm2.sign(key, data)
    if isinstance(key, rsa.RSAPrivateKey) and algorithm.hash_name in _RSA_HASHES:
        return key.sign(data, padding.PKCS1v15(), _RSA_HASHES[algorithm.hash_name]())
    kind = "an SM2" if isinstance(key, sm2.Sm2PrivateKey) else "an RSA"
    raise SignatureError(f"{kind} key cannot sign {algorithm.name}")


def verify_bytes(public_key: PublicKey, algorithm: Algorithm, data: bytes, signature: bytes) -> bool:
    """Whether `signature` over `data` verifies under `public_key` with `algorithm`."""
    if isinstance(public_key, sm2.Sm2PublicKey):
        return algorithm.hash_name == "sm3" and sm2.verify(public_key, data, signature)
    if algorithm.hash_name not in _RSA_HASHES:
        return False
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), _RSA_HASHES[algorithm.hash_name]())
    except (InvalidSignature, ValueError):
        return False
    return True

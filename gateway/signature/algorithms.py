"""The algorithm URIs the China E-port accepts in a CEB message signature, and the digests behind them.

    name          SignatureMethod                                         DigestMethod
    rsa-sha1      http://www.w3.org/2000/09/xmldsig#rsa-sha1              ...xmldsig#sha1
    rsa-sha256    http://www.w3.org/2001/04/xmldsig-more#rsa-sha256        ...xmlenc#sha256
    sm2-sm3       http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3     ...2022/04/xmldsig#sm3

A verifier takes the SignatureMethod and the DigestMethod as two independent choices from these
tables (XML-DSig does); a signer always writes the pair of one row. Any other URI is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

from cryptography.hazmat.primitives import hashes

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SM3 = "http://www.chinaport.gov.cn/2022/04/xmldsig#sm3"


class KeyKind(Enum):
    RSA = "rsa"
    SM2 = "sm2"


@dataclass(frozen=True)
class Algorithm:
    """One signature algorithm: its short name, its URIs and the key and hash it needs."""

    name: str
    signature_uri: str
    digest_uri: str
    key_kind: KeyKind
    hash_name: str  # the hash signed over C14N(SignedInfo): "sha1", "sha256" or "sm3"


ALGORITHMS: dict[str, Algorithm] = {
    algorithm.name: algorithm
    for algorithm in (
        Algorithm("rsa-sha1", "http://www.w3.org/2000/09/xmldsig#rsa-sha1", SHA1, KeyKind.RSA, "sha1"),
        Algorithm(
            "rsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", SHA256, KeyKind.RSA, "sha256"
        ),
        Algorithm("sm2-sm3", "http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3", SM3, KeyKind.SM2, "sm3"),
    )
}
BY_SIGNATURE_URI: dict[str, Algorithm] = {
    algorithm.signature_uri: algorithm for algorithm in ALGORITHMS.values()
}
DIGEST_NAMES: dict[str, str] = {SHA1: "sha1", SHA256: "sha256", SM3: "sm3"}


def sm3(data: bytes) -> bytes:
    """The SM3 hash (GB/T 32905) of `data`, from the OpenSSL that `cryptography` ships."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def digest(hash_name: str, data: bytes) -> bytes:
    """`data` hashed with "sha1", "sha256" or "sm3"."""
    if hash_name == "sm3":
        return sm3(data)
    return hashlib.new(hash_name, data, usedforsecurity=True).digest()

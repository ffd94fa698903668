"""`SigningIdentity`: a private key with its certificate, as an enterprise signs CEB messages.

A real enterprise keeps its key on an E-port IC card or USB key; here the key is a PEM file, so that
the demo enterprises, the load generator and the tests can sign. `gateway.signature.issuing` makes
new identities; `from_files` and `to_files` read and write them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.signature.algorithms import Algorithm
from gateway.signature.certificate import Certificate, der_from_pem_or_der, read_certificate
from gateway.signature.errors import SignatureError
from gateway.signature.primitive import sign_bytes
from gateway.signature.private_keys import PrivateKey, dump_private_key, load_private_key
from gateway.signature.sm2 import Sm2PrivateKey


@dataclass(frozen=True)
class SigningIdentity:
    """A private key and the certificate of its public key (`of` checks that they belong together)."""

    key: PrivateKey
    certificate: Certificate

    @classmethod
    def of(cls, key: PrivateKey, certificate_der: bytes) -> SigningIdentity:
        certificate = read_certificate(certificate_der)
        if not _belong_together(key, certificate):
            raise SignatureError("the private key does not belong to the certificate's public key")
        return cls(key, certificate)

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_pem: bytes) -> SigningIdentity:
        return cls.of(load_private_key(key_pem), der_from_pem_or_der(certificate_pem))

    @classmethod
    def from_files(cls, key_path: str | Path, cert_path: str | Path) -> SigningIdentity:
        """The identity in a PEM key file and a PEM (or DER) certificate file."""
        try:
            key_pem, certificate_pem = Path(key_path).read_bytes(), Path(cert_path).read_bytes()
        except OSError as exc:
            raise SignatureError(f"cannot read {exc.filename}: {exc.strerror}") from exc
        return cls.from_pem(key_pem, certificate_pem)

    def to_files(self, key_path: str | Path, cert_path: str | Path) -> None:
        """Write the key (PKCS#8 PEM, mode 0600) and the certificate (PEM)."""
        try:
            descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as key_file:
                key_file.write(dump_private_key(self.key))
            Path(cert_path).write_bytes(self.certificate_pem)
        except OSError as exc:
            raise SignatureError(f"cannot write {exc.filename}: {exc.strerror}") from exc

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.der

    @property
    def certificate_pem(self) -> bytes:
        armored: bytes = pem.armor("CERTIFICATE", self.certificate.der)
        return armored

    def sign(self, data: bytes, algorithm: Algorithm) -> bytes:
        """The raw signature of `data` with `algorithm`, or SignatureError if the key cannot make it."""
        return sign_bytes(self.key, algorithm, data)


def _belong_together(key: PrivateKey, certificate: Certificate) -> bool:
    public = certificate.public_key
    if isinstance(key, Sm2PrivateKey):
        return key.public_key == public
    return (
        isinstance(public, rsa.RSAPublicKey) and key.public_key().public_numbers() == public.public_numbers()
    )

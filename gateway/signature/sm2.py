"""SM2 signatures with SM3 (GB/T 32918, GM/T 0009) over gmssl's curve arithmetic.

gmssl does the point arithmetic. This module adds what gmssl leaves out or gets wrong: the nonce comes
from `secrets` (gmssl's own comes from `random`), r and s are range-checked, a public point must lie
on the curve, the public key is handed over without gmssl's `lstrip("04")` (which eats leading
digits of x), and SM3 comes from OpenSSL. The message hash is e = SM3(Z || M), where Z binds the
signer's public key and the standard user id "1234567812345678".

Signatures travel as r || s (64 bytes) in an XML SignatureValue, the China E-port's form; an X.509
certificate carries them DER-encoded as SEQUENCE { r, s } (`to_der` / `from_der`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from asn1crypto import algos, keys  # type: ignore[import-untyped]
from gmssl import sm2 as _gmssl  # type: ignore[import-untyped]

from gateway.signature.algorithms import sm3

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

CURVE_OID = "1.2.156.10197.1.301"  # sm2p256v1
SIGNATURE_OID = "1.2.156.10197.1.501"  # SM2 signature with SM3
DEFAULT_USER_ID = b"1234567812345678"

keys.NamedCurve.register("sm2p256v1", CURVE_OID, 32)  # idempotent; asn1crypto needs its key size


@dataclass(frozen=True)
class Sm2PublicKey:
    """A point on the SM2 curve."""

    x: int
    y: int

    @classmethod
    def from_point(cls, point: bytes) -> Sm2PublicKey:
        """The key in the uncompressed form 04 || x || y; ValueError if it is not a curve point."""
        if len(point) != 65 or point[0] != 4:
            raise ValueError("an SM2 public key is an uncompressed point: 04 || x || y, 65 bytes")
        key = cls(int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big"))
        if not (key.x < P and key.y < P and (key.y**2 - key.x**3 - A * key.x - B) % P == 0):
            raise ValueError("the SM2 public key is not a point on the curve")
        return key

    def point(self) -> bytes:
        return b"\x04" + self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")

    def _hex(self) -> str:
        return f"{self.x:064x}{self.y:064x}"


@dataclass(frozen=True)
class Sm2PrivateKey:
    """A scalar d in [1, n-2] and its public point dG."""

    d: int
    public_key: Sm2PublicKey

    @classmethod
    def from_scalar(cls, d: int) -> Sm2PrivateKey:
        if not 1 <= d <= N - 2:
            raise ValueError("an SM2 private key is an integer in [1, n-2]")
        point: str = _gmssl.CryptSM2(private_key=f"{d:064x}", public_key="")._kg(d, f"{GX:064x}{GY:064x}")
        return cls(d, Sm2PublicKey(int(point[:64], 16), int(point[64:], 16)))

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        return cls.from_scalar(secrets.randbelow(N - 2) + 1)


def _engine(private: int, public: Sm2PublicKey) -> _gmssl.CryptSM2:
    engine = _gmssl.CryptSM2(private_key=f"{private:064x}", public_key="")
    engine.public_key = public._hex()  # set directly: the constructor's lstrip("04") corrupts keys
    return engine


def message_hash(public_key: Sm2PublicKey, message: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """e = SM3(Z || M) with Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)."""
    fields = (A, B, GX, GY, public_key.x, public_key.y)
    z = sm3((len(user_id) * 8).to_bytes(2, "big") + user_id + b"".join(v.to_bytes(32, "big") for v in fields))
    return sm3(z + message)


def sign(key: Sm2PrivateKey, message: bytes) -> bytes:
    """The signature r || s (64 bytes) of `message` with SM3 and the default user id."""
    engine = _engine(key.d, key.public_key)
    e = message_hash(key.public_key, message)
    while True:
        k = secrets.randbelow(N - 1) + 1
        signature: str | None = engine.sign(e, f"{k:064x}")
        if signature:  # None when r = 0, r + k = n or s = 0: draw another k
            return bytes.fromhex(signature)


def verify(public_key: Sm2PublicKey, message: bytes, signature: bytes) -> bool:
    """Whether `signature` (r || s, 64 bytes) is `public_key`'s signature of `message`."""
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return False
    try:
        verdict = _engine(0, public_key).verify(signature.hex(), message_hash(public_key, message))
    except (TypeError, ValueError, ZeroDivisionError):  # gmssl's arithmetic at the point at infinity
        return False
    return verdict is True


def to_der(signature: bytes) -> bytes:
    """r || s as the DER SEQUENCE { r INTEGER, s INTEGER } that certificates carry."""
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    der: bytes = algos.DSASignature({"r": r, "s": s}).dump()
    return der


def from_der(der: bytes) -> bytes:
    """DER SEQUENCE { r, s } as r || s; ValueError if it is not one."""
    parsed = algos.DSASignature.load(der, strict=True)
    r, s = int(parsed["r"].native), int(parsed["s"].native)
    if not (0 <= r < 2**256 and 0 <= s < 2**256):
        raise ValueError("r or s does not fit in 32 bytes")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")

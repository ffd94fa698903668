"""SM2 signatures with SM3 (GB/T 32918, GM/T 0009), point arithmetic on Python integers.

The arithmetic is here rather than in gmssl: gmssl computes on hex strings in affine coordinates and
took ~13 ms per verification, the largest single cost of intake for SM2-signed traffic. Here points
are in Jacobian coordinates (no inversion per step, a = -3 doubling, mixed additions with affine
table points), and k*G and k*Q are read from tables of multiples, with no doubling: G's table
(8-bit digits, ~90 ms to build, once per process) and each public key's (6-bit digits, built on
its first verification and kept) make a verification 75 additions, ~0.3 ms here (16^i tables for
both took 128 additions, ~0.5 ms). gmssl remains the oracle the tests check this module against.
Nothing here is hardened against timing side channels: the simulator signs with test keys only.

The nonce comes from `secrets`, r and s are range-checked, a public point must lie on the curve,
and SM3 comes from OpenSSL. The message hash is e = SM3(Z || M), where Z binds the signer's
public key and the standard user id "1234567812345678".

Signatures travel as r || s (64 bytes) in an XML SignatureValue, the China E-port's form; an X.509
certificate carries them DER-encoded as SEQUENCE { r, s } (`to_der` / `from_der`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache, lru_cache

from asn1crypto import algos, keys  # type: ignore[import-untyped]

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


@dataclass(frozen=True)
class Sm2PrivateKey:
    """A scalar d in [1, n-2] and its public point dG."""

    d: int
    public_key: Sm2PublicKey

    @classmethod
    def from_scalar(cls, d: int) -> Sm2PrivateKey:
        if not 1 <= d <= N - 2:
            raise ValueError("an SM2 private key is an integer in [1, n-2]")
        x, y = _affine(_base_multiple(d))
        return cls(d, Sm2PublicKey(x, y))

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        return cls.from_scalar(secrets.randbelow(N - 2) + 1)


# Points in Jacobian coordinates (X, Y, Z) stand for the affine (X/Z², Y/Z³); None is the point at
# infinity. Formulas: Bernstein-Lange's explicit-formulas database (dbl-2001-b for a = -3, add-2007-bl).
_Point = tuple[int, int, int] | None


def _double(point: _Point) -> _Point:
    if point is None or point[1] == 0:
        return None
    x1, y1, z1 = point
    delta = z1 * z1 % P
    gamma = y1 * y1 % P
    beta = x1 * gamma % P
    alpha = 3 * (x1 - delta) * (x1 + delta) % P  # a = -3 (mod P) on this curve
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y1 + z1) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add(first: _Point, second: _Point) -> _Point:
    if first is None:
        return second
    if second is None:
        return first
    x1, y1, z1 = first
    x2, y2, z2 = second
    z1z1 = z1 * z1 % P
    u2, s2 = x2 * z1z1 % P, y2 * z1 * z1z1 % P
    if z2 == 1:  # mixed addition: the tables hold affine points, which saves four products
        u1, s1, z3 = x1, y1, z1
    else:
        z2z2 = z2 * z2 % P
        u1, s1, z3 = x1 * z2z2 % P, y1 * z2 * z2z2 % P, z1 * z2 % P
    h, r = (u2 - u1) % P, (s2 - s1) % P
    if h == 0:
        return _double(first) if r == 0 else None
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - s1 * hhh) % P
    return (x3, y3, z3 * h % P)


def _affine(point: _Point) -> tuple[int, int]:
    if point is None:
        raise ValueError("the point at infinity has no affine coordinates")
    x, y, z = point
    inverse = pow(z, -1, P)
    square = inverse * inverse % P
    return x * square % P, y * square * inverse % P


def _table(x: int, y: int, bits: int) -> tuple[tuple[_Point, ...], ...]:
    """Row i holds d * 2^(bits*i) * (x, y) for d = 0 .. 2^bits - 1, in affine form (Z = 1).

    k * (x, y) is then one addition per `bits`-bit digit of k and no doubling at all.
    """
    rows = []
    unit: _Point = (x, y, 1)
    for _ in range(-(-256 // bits)):
        points = [unit]
        for _ in range((1 << bits) - 1):  # 2·unit … (2^bits - 1)·unit, then the next row's unit
            points.append(_add(points[-1], unit))  # mixed additions: `unit` is affine
        *row, unit = _normalised(points)
        rows.append((None, *row))
    return tuple(rows)


def _normalised(points: list[_Point]) -> list[_Point]:
    """The points in affine form (Z = 1) with one modular inversion for all (Montgomery's trick)."""
    zs = [point[2] for point in points if point is not None]
    if len(zs) != len(points):
        raise ValueError("the point at infinity has no affine form")
    prefix = [1]
    for z in zs:
        prefix.append(prefix[-1] * z % P)
    inverse = pow(prefix[-1], -1, P)
    affine: list[_Point] = [None] * len(zs)
    for i in range(len(zs) - 1, -1, -1):
        z_inverse, inverse = inverse * prefix[i] % P, inverse * zs[i] % P
        square = z_inverse * z_inverse % P
        x, y, _ = points[i]  # type: ignore[misc]
        affine[i] = (x * square % P, y * square * z_inverse % P, 1)
    return affine


BASE_DIGIT_BITS = 8  # G's table: 32 rows of 256 points (~1.6 MB, built once), 32 additions for k*G
KEY_DIGIT_BITS = 6  # a key's: 43 rows of 64 points (~0.5 MB), 43 additions for k*Q


@cache
def _base_table() -> tuple[tuple[_Point, ...], ...]:
    return _table(GX, GY, BASE_DIGIT_BITS)


@lru_cache(maxsize=128)
def _key_table(x: int, y: int) -> tuple[tuple[_Point, ...], ...]:
    """The table of a public key: ~20 ms to build, some sixty verifications' worth, and a gateway
    sees the same certificates over and over (128 keys: ~65 MB at most)."""
    return _table(x, y, KEY_DIGIT_BITS)


def _table_multiple(table: tuple[tuple[_Point, ...], ...], k: int) -> _Point:
    bits = (len(table[0]) - 1).bit_length()
    mask = (1 << bits) - 1
    result: _Point = None
    for row in table:
        digit = k & mask
        if digit:
            result = _add(result, row[digit])
        k >>= bits
    return result


def _base_multiple(k: int) -> _Point:
    return _table_multiple(_base_table(), k)


def message_hash(public_key: Sm2PublicKey, message: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """e = SM3(Z || M) with Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)."""
    fields = (A, B, GX, GY, public_key.x, public_key.y)
    z = sm3((len(user_id) * 8).to_bytes(2, "big") + user_id + b"".join(v.to_bytes(32, "big") for v in fields))
    return sm3(z + message)


def sign(key: Sm2PrivateKey, message: bytes) -> bytes:
    """The signature r || s (64 bytes) of `message` with SM3 and the default user id."""
    e = int.from_bytes(message_hash(key.public_key, message), "big")
    inverse = pow(1 + key.d, -1, N)
    while True:
        k = secrets.randbelow(N - 1) + 1
        x1, _ = _affine(_base_multiple(k))
        r = (e + x1) % N
        if r == 0 or r + k == N:
            continue  # draw another k, as the standard says
        s = inverse * (k - r * key.d) % N
        if s != 0:
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(public_key: Sm2PublicKey, message: bytes, signature: bytes) -> bool:
    """Whether `signature` (r || s, 64 bytes) is `public_key`'s signature of `message`."""
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return False
    t = (r + s) % N
    if t == 0:
        return False
    point = _add(_base_multiple(s), _table_multiple(_key_table(public_key.x, public_key.y), t))
    if point is None:
        return False
    e = int.from_bytes(message_hash(public_key, message), "big")
    x1, _ = _affine(point)
    return (e + x1) % N == r


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

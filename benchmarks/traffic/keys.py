"""Key material derived from the seed, so that the same seed gives the same keys, certificates and signatures.

**These are rehearsal keys: anyone who knows the seed can derive them.** Never register them with
anything but a simulator.

- RSA-2048: both primes drawn from a `random.Random` seeded per party and checked with Miller-Rabin
  (5 rounds after a small-prime sieve); a key takes a few tenths of a
  second, so RSA keys are cached by (seed, code) under ~/.cache/cebsim/traffic-keys (a pure
  speed-up: the cached key is the one the seed derives).
- SM2: the scalar is drawn from the same kind of generator.
- SM2 signatures need a nonce k per signature. `gateway.signature.sm2` draws it from `secrets`;
  inside `seeded_nonces(seed)` the generator draws it from an HMAC-SHA256 chain over the seed
  instead (a fresh value on every call, so k is never reused within a run), which makes SM2
  certificates and signed messages reproducible. RSA PKCS#1 v1.5 signatures are deterministic anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.signature import KeyKind, SigningIdentity, issue_identity
from gateway.signature import sm2 as sm2_module
from gateway.signature.private_keys import PrivateKey, dump_private_key, load_private_key

PUBLIC_EXPONENT = 65537
_SMALL_PRIMES = tuple(p for p in range(3, 4000, 2) if all(p % d for d in range(3, int(p**0.5) + 1, 2)))
_SMALL_PRODUCT = math.prod(_SMALL_PRIMES)
MILLER_RABIN_ROUNDS = 5  # FIPS 186-5 B.3: enough for random 1024-bit candidates (error < 2^-100)


def _probably_prime(n: int, rng: random.Random, rounds: int = MILLER_RABIN_ROUNDS) -> bool:
    if math.gcd(n, _SMALL_PRODUCT) != 1:
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1  # top two bits set: n has 2·bits bits
        if (candidate - 1) % PUBLIC_EXPONENT and _probably_prime(candidate, rng):
            return candidate


def rsa_key(rng: random.Random, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key whose primes come from `rng`."""
    p, q = _prime(rng, bits // 2), _prime(rng, bits // 2)
    while p == q:
        q = _prime(rng, bits // 2)
    d = pow(PUBLIC_EXPONENT, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(PUBLIC_EXPONENT, p * q)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), public
    )
    return numbers.private_key()


def sm2_key(rng: random.Random) -> sm2_module.Sm2PrivateKey:
    return sm2_module.Sm2PrivateKey.from_scalar(rng.randrange(1, sm2_module.N - 2))


class _NonceChain:
    """Stands in for `secrets` in the SM2 module: `randbelow` from an HMAC-SHA256 chain."""

    def __init__(self, seed: bytes) -> None:
        self._state = hashlib.sha256(b"cebsim-sm2-nonce" + seed).digest()

    def randbelow(self, n: int) -> int:
        while True:
            self._state = hmac.new(self._state, b"next", hashlib.sha256).digest()
            value = int.from_bytes(self._state + hashlib.sha256(self._state).digest(), "big") >> 1
            if value < (1 << 511) // n * n:
                return value % n


@contextmanager
def seeded_nonces(seed: int, purpose: str = "messages") -> Iterator[None]:
    """SM2 nonces from the seed for the duration of the block (the generator is single-threaded)."""
    namespace = vars(sm2_module)
    saved = namespace["secrets"]
    namespace["secrets"] = _NonceChain(f"{seed}:{purpose}".encode())
    try:
        yield
    finally:
        namespace["secrets"] = saved


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cebsim" / "traffic-keys"


def _key(seed: int, code: str, kind: KeyKind, cache: Path | None) -> PrivateKey:
    """The party's key; RSA keys are slow to derive, so they are kept in `cache` (same seed, same key)."""
    rng = random.Random(f"{seed}:key:{code}")
    if kind is KeyKind.SM2:
        return sm2_key(rng)
    name = hashlib.sha256(f"{seed}:{code}:rsa2048".encode()).hexdigest()[:32] + ".pem"
    cached = cache / name if cache is not None else None
    if cached is not None and cached.is_file():
        return load_private_key(cached.read_bytes())
    key = rsa_key(rng)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(dump_private_key(key))
        temporary.replace(cached)
    return key


def derived_identity(
    seed: int,
    code: str,
    name: str,
    *,
    kind: KeyKind,
    validity: tuple[datetime, datetime],
    cache: Path | None = None,
) -> SigningIdentity:
    """The identity of party `code` under `seed`: the same key and certificate every time."""
    key = _key(seed, code, kind, cache)
    serial = random.Random(f"{seed}:serial:{code}").getrandbits(63) | (1 << 60)
    not_before, not_after = validity
    return issue_identity(code, name, not_before=not_before, not_after=not_after, kind=kind, key=key,
                          serial=serial)  # fmt: skip

"""SM2 with SM3 and the default user id; gmssl's implementation is the oracle."""

from __future__ import annotations

import secrets

import pytest
from gmssl import sm2 as gmssl_sm2  # type: ignore[import-untyped]

from gateway.signature import sm2
from gateway.signature.algorithms import sm3


def test_sm3_gives_the_standard_test_vector_for_abc() -> None:
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_a_signature_verifies_and_fails_for_a_changed_message_or_another_key() -> None:
    key, other = sm2.Sm2PrivateKey.generate(), sm2.Sm2PrivateKey.generate()
    signature = sm2.sign(key, b"CEB311Message")
    assert len(signature) == 64
    assert sm2.verify(key.public_key, b"CEB311Message", signature)
    assert not sm2.verify(key.public_key, b"CEB311Messagf", signature)
    assert not sm2.verify(other.public_key, b"CEB311Message", signature)


def test_two_signatures_of_one_message_differ_because_the_nonce_is_fresh() -> None:
    key = sm2.Sm2PrivateKey.generate()
    assert sm2.sign(key, b"m") != sm2.sign(key, b"m")


@pytest.mark.parametrize(
    "signature",
    [
        bytes(64),
        sm2.N.to_bytes(32, "big") + (1).to_bytes(32, "big"),
        (1).to_bytes(32, "big") + sm2.N.to_bytes(32, "big"),
        b"\x01" * 63,
    ],
)
def test_r_or_s_out_of_range_never_verifies(signature: bytes) -> None:
    assert not sm2.verify(sm2.Sm2PrivateKey.generate().public_key, b"m", signature)


def test_a_public_key_off_the_curve_is_refused() -> None:
    point = bytearray(sm2.Sm2PrivateKey.generate().public_key.point())
    point[-1] ^= 1
    with pytest.raises(ValueError, match="not a point on the curve"):
        sm2.Sm2PublicKey.from_point(bytes(point))
    with pytest.raises(ValueError, match="uncompressed point"):
        sm2.Sm2PublicKey.from_point(b"\x02" + bytes(32))


def test_a_public_key_whose_x_starts_with_04_still_works() -> None:
    """gmssl's constructor strips "04" from such a key: an easy key to get wrong in hex form."""
    key = sm2.Sm2PrivateKey.from_scalar(11)
    assert f"{key.public_key.x:064x}".startswith("04")
    assert sm2.verify(key.public_key, b"m", sm2.sign(key, b"m"))


@pytest.mark.parametrize("scalar", [0, sm2.N - 1, sm2.N])
def test_a_private_scalar_out_of_range_is_refused(scalar: int) -> None:
    with pytest.raises(ValueError, match=r"\[1, n-2\]"):
        sm2.Sm2PrivateKey.from_scalar(scalar)


def test_a_signature_converts_between_r_s_and_der_both_ways() -> None:
    signature = sm2.sign(sm2.Sm2PrivateKey.generate(), b"m")
    der = sm2.to_der(signature)
    assert der[0] == 0x30
    assert sm2.from_der(der) == signature


def _oracle(public_key: sm2.Sm2PublicKey, d: int = 0) -> gmssl_sm2.CryptSM2:
    engine = gmssl_sm2.CryptSM2(private_key=f"{d:064x}", public_key="")
    engine.public_key = f"{public_key.x:064x}{public_key.y:064x}"  # past the constructor's lstrip("04")
    return engine


@pytest.mark.parametrize("scalar", [1, 2, 15, 16, 17, 2**255 + 12345, sm2.N - 2, None])
def test_the_public_key_of_a_scalar_is_gmssls(scalar: int | None) -> None:
    d = scalar if scalar is not None else secrets.randbelow(sm2.N - 2) + 1
    point = gmssl_sm2.CryptSM2(private_key=f"{d:064x}", public_key="")._kg(d, f"{sm2.GX:064x}{sm2.GY:064x}")
    key = sm2.Sm2PrivateKey.from_scalar(d)
    assert (key.public_key.x, key.public_key.y) == (int(point[:64], 16), int(point[64:], 16))


@pytest.mark.parametrize("round_", range(6))
def test_signatures_verify_across_this_module_and_gmssl_both_ways(round_: int) -> None:
    key = sm2.Sm2PrivateKey.generate()
    message = secrets.token_bytes(20 + round_)
    e = sm2.message_hash(key.public_key, message)
    ours = sm2.sign(key, message)
    assert _oracle(key.public_key).verify(ours.hex(), e) is True
    theirs = bytes.fromhex(_oracle(key.public_key, key.d).sign(e, f"{secrets.randbelow(sm2.N - 1) + 1:064x}"))
    assert sm2.verify(key.public_key, message, theirs)
    tampered = theirs[:63] + bytes([theirs[63] ^ 1])
    assert not sm2.verify(key.public_key, message, tampered)
    assert _oracle(key.public_key).verify(tampered.hex(), e) is False

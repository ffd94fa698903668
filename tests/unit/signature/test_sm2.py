"""SM2 with SM3 and the default user id, as wrapped around gmssl."""

from __future__ import annotations

import pytest

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
    """gmssl's constructor strips "04" from such a key; the wrapper sets the key past it."""
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

"""What the signatures in the official 202205 samples are: one placeholder block, which verifies nowhere.

All 19 signed samples carry the same ds:Signature. Its certificate is a real China E-port CA
certificate (RSA-1024, serial 0x9927, 2015-05-19 to 2049-12-08), and its SignatureValue is a real
RSA-SHA1 PKCS#1 v1.5 signature by that key, but over some other SignedInfo: the sample's own
SignedInfo does not hash to it. The block was then relabelled: 18 samples say sm2-sm3/sm3 while the key
is RSA and the DigestValue has 20 bytes (a SHA-1 length; SM3 has 32); CEB701 says rsa-sha1/sha1 but its
DigestValue is no digest of the sample. KeyName is "0001", not the serial. So none can verify, and
each fails at the signature check (1001); these tests pin those facts, nothing more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.signature import INVALID_SIGNATURE, verify_message
from gateway.signature.algorithms import digest
from gateway.signature.structure import read_signature
from gateway.signature.xmldsig import document_digest
from schemas.safe_xml import parse
from tests.unit.signature.builders import NOW

SIGNED = [
    *(f"import/CEB{code}Message.xml" for code in (311, 411, 511, 513, 621, 623, 625, 711)),
    *(f"export/CEB{code}Message.xml" for code in (213, 215, 303, 403, 505, 507, 509, 603, 605, 607, 701)),
]


@pytest.mark.parametrize("name", SIGNED)
def test_the_official_sample_signature_is_a_placeholder_that_does_not_verify(
    official_dir: Path, name: str
) -> None:
    root = parse((official_dir / "samples" / name).read_bytes())
    check = verify_message(root, now=NOW)
    assert (check.present, check.valid, check.code) == (True, False, INVALID_SIGNATURE)
    assert (check.certificate_serial, check.key_name) == ("9927", "0001")
    expected = "an RSA certificate cannot verify sm2-sm3" if "701" not in name else None
    if expected:
        assert check.failure == expected
    else:
        assert check.failure == "the SignatureValue does not verify under the certificate's key"


@pytest.mark.parametrize("name", SIGNED)
def test_the_official_sample_digest_value_is_no_digest_of_its_message(official_dir: Path, name: str) -> None:
    root = parse((official_dir / "samples" / name).read_bytes())
    parts = read_signature(root)
    assert len(parts.digest_value) == 20
    for hash_name in ("sha1", "sha256", "sm3"):
        assert document_digest(root, parts.signature, hash_name) != parts.digest_value
    assert digest("sha1", b"") != parts.digest_value


def test_every_official_declaration_sample_with_a_signature_has_the_same_block(official_dir: Path) -> None:
    blocks = {
        read_signature(parse((official_dir / "samples" / name).read_bytes())).certificate_der
        for name in SIGNED
    }
    values = {
        read_signature(parse((official_dir / "samples" / name).read_bytes())).signature_value
        for name in SIGNED
    }
    assert (len(blocks), len(values)) == (1, 1)

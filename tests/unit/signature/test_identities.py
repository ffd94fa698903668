"""The mock E-port CA: RSA and SM2 identities, their certificates, and their PEM files."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.signature import (
    KeyKind,
    SignatureError,
    SigningIdentity,
    issue_identity,
    sign_message,
    sm2,
    verify_message,
)
from schemas.safe_xml import parse
from tests.unit.signature.builders import NOW, cached_key, make_identity


@pytest.mark.parametrize("algorithm", ["rsa-sha256", "sm2-sm3"])
def test_an_identity_survives_writing_to_pem_files_and_reading_back(
    tmp_path: Path, ceb311: bytes, algorithm: str
) -> None:
    identity = make_identity(algorithm)
    identity.to_files(tmp_path / "key.pem", tmp_path / "cert.pem")
    loaded = SigningIdentity.from_files(tmp_path / "key.pem", tmp_path / "cert.pem")
    assert loaded.certificate == identity.certificate
    assert verify_message(parse(sign_message(ceb311, loaded, algorithm)), now=NOW).valid


def test_the_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    make_identity("sm2-sm3").to_files(tmp_path / "key.pem", tmp_path / "cert.pem")
    assert stat.S_IMODE((tmp_path / "key.pem").stat().st_mode) == 0o600
    assert (tmp_path / "cert.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_certificate_may_also_be_given_as_der(tmp_path: Path) -> None:
    identity = make_identity()
    identity.to_files(tmp_path / "key.pem", tmp_path / "unused.pem")
    (tmp_path / "cert.der").write_bytes(identity.certificate_der)
    assert (
        SigningIdentity.from_files(tmp_path / "key.pem", tmp_path / "cert.der").certificate
        == identity.certificate
    )


def test_the_certificate_names_the_enterprise_and_its_validity() -> None:
    not_before, not_after = NOW, NOW + timedelta(days=30)
    identity = issue_identity(
        "3301960001", "杭州测试企业", not_before=not_before, not_after=not_after, kind=KeyKind.SM2
    )
    certificate = identity.certificate
    assert (certificate.not_before, certificate.not_after) == (not_before, not_after)
    assert "3301960001" in certificate.subject
    assert "杭州测试企业" in certificate.subject
    assert len(certificate.serial_hex) == 16


def test_an_sm2_certificate_uses_the_sm2_curve_and_sm2_with_sm3_oids() -> None:
    der = make_identity("sm2-sm3").certificate_der
    parsed = asn1_x509.Certificate.load(der)
    spki = parsed["tbs_certificate"]["subject_public_key_info"]
    assert spki["algorithm"]["algorithm"].dotted == "1.2.840.10045.2.1"
    assert spki["algorithm"]["parameters"].chosen.dotted == "1.2.156.10197.1.301"
    assert parsed["signature_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.501"
    assert parsed["tbs_certificate"]["version"].native == "v3"


def test_an_sm2_certificate_is_signed_by_its_own_key() -> None:
    identity = make_identity("sm2-sm3")
    parsed = asn1_x509.Certificate.load(identity.certificate_der)
    signature = sm2.from_der(parsed["signature_value"].native)
    public_key = identity.certificate.public_key
    assert isinstance(public_key, sm2.Sm2PublicKey)
    assert sm2.verify(public_key, parsed["tbs_certificate"].dump(), signature)


def test_an_rsa_certificate_is_a_self_signed_x509_v3_certificate_that_cryptography_accepts() -> None:
    identity = make_identity("rsa-sha256")
    certificate = x509.load_der_x509_certificate(identity.certificate_der)
    certificate.verify_directly_issued_by(certificate)
    assert certificate.version is x509.Version.v3
    assert certificate.serial_number == identity.certificate.serial
    assert isinstance(certificate.public_key(), rsa.RSAPublicKey)
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_a_key_with_someone_elses_certificate_is_refused() -> None:
    with pytest.raises(SignatureError, match="does not belong"):
        SigningIdentity.of(cached_key(KeyKind.RSA, 1), make_identity("rsa-sha256").certificate_der)
    with pytest.raises(SignatureError, match="does not belong"):
        SigningIdentity.of(cached_key(KeyKind.SM2, 1), make_identity("rsa-sha256").certificate_der)


@pytest.mark.parametrize(
    ("key", "certificate", "message"),
    [
        (b"garbage", None, "private key cannot be read"),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", None, "unsupported private key"),
        (
            None,
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "certificate cannot be read",
        ),
        (None, b"not a certificate", "certificate cannot be read"),
    ],
)
def test_unreadable_keys_and_certificates_are_signature_errors(
    tmp_path: Path, key: bytes | None, certificate: bytes | None, message: str
) -> None:
    make_identity().to_files(tmp_path / "key.pem", tmp_path / "cert.pem")
    if key is not None:
        (tmp_path / "key.pem").write_bytes(key)
    if certificate is not None:
        (tmp_path / "cert.pem").write_bytes(certificate)
    with pytest.raises(SignatureError, match=message):
        SigningIdentity.from_files(tmp_path / "key.pem", tmp_path / "cert.pem")


def test_a_missing_file_is_a_signature_error(tmp_path: Path) -> None:
    with pytest.raises(SignatureError, match="cannot read"):
        SigningIdentity.from_files(tmp_path / "none.pem", tmp_path / "cert.pem")


def test_a_validity_window_needs_aware_datetimes_in_order() -> None:
    with pytest.raises(SignatureError, match="aware datetimes"):
        issue_identity("1", "x", not_before=NOW, not_after=NOW - timedelta(days=1))
    with pytest.raises(SignatureError, match="aware datetimes"):
        issue_identity("1", "x", not_before=NOW.replace(tzinfo=None), not_after=NOW.replace(tzinfo=None))


def test_a_validity_beyond_2049_is_written_as_generalized_time() -> None:
    identity = issue_identity(
        "1", "x", not_before=NOW, not_after=NOW.replace(year=2060), key=cached_key(KeyKind.SM2)
    )
    assert identity.certificate.not_after.year == 2060

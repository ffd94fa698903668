"""Cross-checks with independent implementations: OpenSSL for SM2 keys, certificates and signatures,
xmlsec1 for the RSA XML signatures. Each test is skipped where the tool is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from gateway.signature import sign_message, sm2, verify_message
from gateway.signature.private_keys import load_private_key
from schemas.safe_xml import parse
from tests.unit.signature.builders import NOW, make_identity

OPENSSL = shutil.which("openssl")
XMLSEC1 = shutil.which("xmlsec1")
DISTID = "distid:1234567812345678"


def openssl_has_sm2() -> bool:
    if OPENSSL is None:
        return False
    listing = subprocess.run(
        [OPENSSL, "list", "-public-key-algorithms"], capture_output=True, text=True, check=False
    )
    return "SM2" in listing.stdout


needs_openssl_sm2 = pytest.mark.skipif(not openssl_has_sm2(), reason="no openssl with SM2")


def openssl(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, check=False)


@needs_openssl_sm2
def test_openssl_accepts_our_self_signed_sm2_certificate(tmp_path: Path) -> None:
    make_identity("sm2-sm3").to_files(tmp_path / "key.pem", tmp_path / "cert.pem")
    result = openssl("verify", "-CAfile", str(tmp_path / "cert.pem"), str(tmp_path / "cert.pem"))
    assert result.returncode == 0, result.stderr


@needs_openssl_sm2
def test_an_sm2_signature_made_here_verifies_in_openssl(tmp_path: Path) -> None:
    identity = make_identity("sm2-sm3")
    identity.to_files(tmp_path / "key.pem", tmp_path / "cert.pem")
    key = identity.key
    assert isinstance(key, sm2.Sm2PrivateKey)
    (tmp_path / "data").write_bytes(b"<ds:SignedInfo/>")
    (tmp_path / "sig").write_bytes(sm2.to_der(sm2.sign(key, b"<ds:SignedInfo/>")))
    openssl("x509", "-in", str(tmp_path / "cert.pem"), "-pubkey", "-noout", "-out", str(tmp_path / "pub.pem"))
    result = openssl(
        "dgst", "-sm3", "-verify", str(tmp_path / "pub.pem"), "-sigopt", DISTID,
        "-signature", str(tmp_path / "sig"), str(tmp_path / "data"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@needs_openssl_sm2
def test_an_sm2_key_and_signature_made_by_openssl_work_here(tmp_path: Path) -> None:
    assert openssl("genpkey", "-algorithm", "SM2", "-out", str(tmp_path / "key.pem")).returncode == 0
    (tmp_path / "data").write_bytes(b"CEB621Message")
    result = openssl(
        "dgst", "-sm3", "-sign", str(tmp_path / "key.pem"), "-sigopt", DISTID,
        "-out", str(tmp_path / "sig"), str(tmp_path / "data"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    key = load_private_key((tmp_path / "key.pem").read_bytes())
    assert isinstance(key, sm2.Sm2PrivateKey)
    assert sm2.verify(key.public_key, b"CEB621Message", sm2.from_der((tmp_path / "sig").read_bytes()))


@pytest.mark.skipif(XMLSEC1 is None, reason="no xmlsec1")
@pytest.mark.parametrize("algorithm", ["rsa-sha1", "rsa-sha256"])
def test_xmlsec1_verifies_our_rsa_signatures(tmp_path: Path, ceb311: bytes, algorithm: str) -> None:
    identity = make_identity(algorithm)
    identity.to_files(tmp_path / "key.pem", tmp_path / "cert.pem")
    (tmp_path / "signed.xml").write_bytes(sign_message(ceb311, identity, algorithm))
    assert XMLSEC1 is not None
    result = subprocess.run(
        [XMLSEC1, "--verify", "--pubkey-cert-pem", str(tmp_path / "cert.pem"),
         "--enabled-reference-uris", "empty", str(tmp_path / "signed.xml")],
        capture_output=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(XMLSEC1 is None, reason="no xmlsec1")
def test_an_rsa_signature_made_by_xmlsec1_verifies_here(tmp_path: Path, ceb311: bytes) -> None:
    identity = make_identity("rsa-sha256")
    identity.to_files(tmp_path / "key.pem", tmp_path / "cert.pem")
    template = parse(sign_message(ceb311, identity, "rsa-sha256"))
    for name in ("DigestValue", "SignatureValue"):
        next(template.iter(f"{{http://www.w3.org/2000/09/xmldsig#}}{name}")).text = ""
    (tmp_path / "template.xml").write_bytes(etree.tostring(template.getroottree(), encoding="UTF-8"))
    assert XMLSEC1 is not None
    subprocess.run(
        [XMLSEC1, "--sign", "--privkey-pem", str(tmp_path / "key.pem"),
         "--output", str(tmp_path / "signed.xml"), str(tmp_path / "template.xml")],
        capture_output=True, check=True,
    )  # fmt: skip
    assert verify_message(parse((tmp_path / "signed.xml").read_bytes()), now=NOW).valid

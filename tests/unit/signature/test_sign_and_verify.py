"""Signing a CEB message and verifying it: the algorithms, the placement, and each way it can fail."""

from __future__ import annotations

import base64
import copy
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from gateway.signature import (
    CERTIFICATE_EXPIRED,
    DATA_MISMATCH,
    INVALID_SIGNATURE,
    SignatureError,
    sign_message,
    verify_message,
)
from gateway.signature.xmldsig import canonical, document_digest, remove_keeping_tail
from schemas.safe_xml import parse
from tests.unit.signature.builders import NOW, NS, make_identity, node, signature_of, with_extend_message

ALGORITHMS = ["rsa-sha1", "rsa-sha256", "sm2-sm3"]
URIS = {
    "rsa-sha1": ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"),
    "rsa-sha256": (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ),
    "sm2-sm3": (
        "http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3",
        "http://www.chinaport.gov.cn/2022/04/xmldsig#sm3",
    ),
}


def signed_root(xml: bytes, algorithm: str = "rsa-sha256") -> etree._Element:
    return parse(sign_message(xml, make_identity(algorithm), algorithm))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_algorithm_signs_the_official_order_so_that_it_verifies(ceb311: bytes, algorithm: str) -> None:
    identity = make_identity(algorithm)
    check = verify_message(parse(sign_message(ceb311, identity, algorithm)), now=NOW)
    assert (check.present, check.valid, check.code, check.failure) == (True, True, None, None)
    assert check.algorithm == algorithm
    assert check.certificate_der == identity.certificate_der
    assert check.certificate_serial == identity.certificate.serial_hex
    assert check.certificate_fingerprint == identity.certificate.fingerprint
    assert check.not_before is not None
    assert check.not_before.tzinfo is not None
    assert check.not_after == identity.certificate.not_after


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_the_signature_is_written_with_the_e_port_uris_and_key_info(ceb311: bytes, algorithm: str) -> None:
    identity = make_identity(algorithm)
    signature = signature_of(parse(sign_message(ceb311, identity, algorithm)))
    method, digest_method = URIS[algorithm]
    c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    assert node(signature, "ds:SignedInfo/ds:CanonicalizationMethod").get("Algorithm") == c14n
    assert node(signature, "ds:SignedInfo/ds:SignatureMethod").get("Algorithm") == method
    assert node(signature, "ds:SignedInfo/ds:Reference").get("URI") == ""
    transforms = signature.findall("ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform", NS)
    assert [t.get("Algorithm") for t in transforms] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    ]
    assert node(signature, "ds:SignedInfo/ds:Reference/ds:DigestMethod").get("Algorithm") == digest_method
    assert node(signature, "ds:KeyInfo/ds:KeyName").text == identity.certificate.serial_hex
    certificate = node(signature, "ds:KeyInfo/ds:X509Data/ds:X509Certificate").text
    assert base64.b64decode(certificate or "") == identity.certificate_der


def test_an_sm2_signature_value_is_r_and_s_in_64_bytes_as_the_e_port_writes_it(ceb311: bytes) -> None:
    signature = signature_of(signed_root(ceb311, "sm2-sm3"))
    assert len(base64.b64decode(node(signature, "ds:SignatureValue").text or "")) == 64


def test_an_import_signature_is_the_last_child_after_extend_message(ceb311: bytes) -> None:
    root = signed_root(with_extend_message(ceb311))
    assert [etree.QName(child).localname for child in root][-2:] == ["ExtendMessage", "Signature"]
    assert verify_message(root, now=NOW).valid


def test_an_export_signature_comes_before_extend_message(ceb603: bytes) -> None:
    root = signed_root(with_extend_message(ceb603))
    assert [etree.QName(child).localname for child in root][-3:] == [
        "BaseTransfer",
        "Signature",
        "ExtendMessage",
    ]
    assert verify_message(root, now=NOW).valid


def test_an_export_message_without_extend_message_ends_with_its_signature(ceb603: bytes) -> None:
    root = signed_root(ceb603, "sm2-sm3")
    assert etree.QName(root[-1]).localname == "Signature"
    assert verify_message(root, now=NOW).valid


def test_signing_adds_the_signature_and_changes_nothing_else(ceb311: bytes) -> None:
    root = signed_root(ceb311)
    remove_keeping_tail(signature_of(root))
    assert canonical(root.getroottree()) == canonical(parse(ceb311).getroottree())


@pytest.mark.parametrize("tail", [None, "\n", "\n  "])
def test_the_digest_takes_the_signature_out_of_a_copy_and_leaves_the_message_as_it_was(
    ceb311: bytes, tail: str | None
) -> None:
    root = signed_root(ceb311)
    signature = signature_of(root)
    signature.tail = tail
    before = etree.tostring(root.getroottree())
    expected = copy.deepcopy(root.getroottree())
    remove_keeping_tail(signature_of(expected.getroot()))
    digest = document_digest(root, signature, "sha256")
    assert digest == hashlib.sha256(canonical(expected)).digest()
    assert etree.tostring(root.getroottree()) == before
    assert signature.getparent() is root


def test_signing_a_signed_message_replaces_its_signature(official_dir: Path) -> None:
    published = (official_dir / "samples" / "import" / "CEB311Message.xml").read_bytes()
    once = sign_message(published, make_identity("rsa-sha1"), "rsa-sha1")
    twice = parse(sign_message(once, make_identity("sm2-sm3"), "sm2-sm3"))
    assert len(twice.findall("ds:Signature", NS)) == 1
    assert verify_message(twice, now=NOW).algorithm == "sm2-sm3"
    assert verify_message(twice, now=NOW).valid


def test_a_message_without_a_signature_is_reported_absent_not_invalid(ceb311: bytes) -> None:
    check = verify_message(parse(ceb311), now=NOW)
    assert (check.present, check.valid, check.code) == (False, False, None)
    assert check.failure == "the message carries no ds:Signature"


@pytest.mark.parametrize(
    "change",
    [
        ("ceb:Order/ceb:OrderHead/ceb:acturalPaid", "text", "1"),
        ("ceb:Order/ceb:OrderHead/ceb:buyerName", "text", "bb"),
        ("ceb:BaseTransfer/ceb:copCode", "text", "1101180327"),
        (".", "guid", "4CDE1CFD-EDED-46B1-946C-B8022E42FC95"),
    ],
)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_an_altered_value_is_a_data_mismatch(
    ceb311: bytes, algorithm: str, change: tuple[str, str, str]
) -> None:
    root = signed_root(ceb311, algorithm)
    path, what, value = change
    element = node(root, path)
    if what == "text":
        element.text = value
    else:
        element.set(what, value)
    check = verify_message(root, now=NOW)
    assert (check.present, check.valid, check.code) == (True, False, DATA_MISMATCH)
    assert "DigestValue does not match" in (check.failure or "")


def test_a_removed_business_document_is_a_data_mismatch(ceb311: bytes) -> None:
    root = signed_root(ceb311)
    root.remove(node(root, "ceb:Order"))
    assert verify_message(root, now=NOW).code == DATA_MISMATCH


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_an_altered_signature_value_is_an_invalid_signature(ceb311: bytes, algorithm: str) -> None:
    root = signed_root(ceb311, algorithm)
    value_node = node(signature_of(root), "ds:SignatureValue")
    value = bytearray(base64.b64decode(value_node.text or ""))
    value[10] ^= 0x01
    value_node.text = base64.b64encode(bytes(value)).decode()
    check = verify_message(root, now=NOW)
    assert (check.valid, check.code) == (False, INVALID_SIGNATURE)
    assert check.failure == "the SignatureValue does not verify under the certificate's key"


@pytest.mark.parametrize(
    ("algorithm", "other"), [("rsa-sha256", "rsa-sha256"), ("sm2-sm3", "sm2-sm3"), ("rsa-sha256", "sm2-sm3")]
)
def test_a_certificate_swapped_for_another_is_an_invalid_signature(
    ceb311: bytes, algorithm: str, other: str
) -> None:
    root = signed_root(ceb311, algorithm)
    other_certificate = make_identity(other, slot=1).certificate_der
    node(signature_of(root), "ds:KeyInfo/ds:X509Data/ds:X509Certificate").text = base64.b64encode(
        other_certificate
    ).decode()
    check = verify_message(root, now=NOW)
    assert (check.valid, check.code) == (False, INVALID_SIGNATURE)
    assert check.certificate_der == other_certificate


def test_an_expired_certificate_is_refused_with_1002(ceb311: bytes) -> None:
    identity = make_identity(not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(seconds=1))
    check = verify_message(parse(sign_message(ceb311, identity)), now=NOW)
    assert (check.present, check.valid, check.code) == (True, False, CERTIFICATE_EXPIRED)
    assert "expired" in (check.failure or "")


def test_a_certificate_not_yet_valid_is_refused_with_1002(ceb311: bytes) -> None:
    identity = make_identity(
        "sm2-sm3", not_before=NOW + timedelta(hours=1), not_after=NOW + timedelta(days=9)
    )
    check = verify_message(parse(sign_message(ceb311, identity, "sm2-sm3")), now=NOW)
    assert (check.valid, check.code) == (False, CERTIFICATE_EXPIRED)
    assert "not valid before" in (check.failure or "")


def test_a_certificate_verifies_up_to_and_including_its_last_second(ceb311: bytes) -> None:
    identity = make_identity(not_before=NOW - timedelta(days=1), not_after=NOW)
    assert verify_message(parse(sign_message(ceb311, identity)), now=NOW).valid


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("ds:SignedInfo/ds:SignatureMethod", "http://www.w3.org/2000/09/xmldsig#hmac-sha1"),
        ("ds:SignedInfo/ds:SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"),
        ("ds:SignedInfo/ds:SignatureMethod", "http://www.w3.org/2000/09/xmldsig#sm2-sm3"),
        ("ds:SignedInfo/ds:Reference/ds:DigestMethod", "http://www.w3.org/2001/04/xmldsig-more#md5"),
        ("ds:SignedInfo/ds:CanonicalizationMethod", "http://www.w3.org/2001/10/xml-exc-c14n#"),
        (
            "ds:SignedInfo/ds:CanonicalizationMethod",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
        ),
    ],
)
def test_an_unknown_algorithm_is_an_invalid_signature(ceb311: bytes, path: str, uri: str) -> None:
    root = signed_root(ceb311)
    node(signature_of(root), path).set("Algorithm", uri)
    check = verify_message(root, now=NOW)
    assert (check.present, check.valid, check.code) == (True, False, INVALID_SIGNATURE)
    assert uri in (check.failure or "")


def test_an_rsa_certificate_cannot_verify_an_sm2_signature_method(ceb311: bytes) -> None:
    root = signed_root(ceb311, "rsa-sha256")
    node(signature_of(root), "ds:SignedInfo/ds:SignatureMethod").set("Algorithm", URIS["sm2-sm3"][0])
    check = verify_message(root, now=NOW)
    assert (check.valid, check.code, check.failure) == (
        False,
        INVALID_SIGNATURE,
        "an RSA certificate cannot verify sm2-sm3",
    )


def test_base64_wrapped_over_lines_as_in_the_official_samples_still_verifies(ceb311: bytes) -> None:
    root = signed_root(ceb311, "sm2-sm3")
    for path in ("ds:SignatureValue", "ds:KeyInfo/ds:X509Data/ds:X509Certificate"):
        element = node(signature_of(root), path)
        text = element.text or ""
        element.text = "\n" + "\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n"
    assert verify_message(root, now=NOW).valid


def test_a_comment_added_to_the_message_leaves_the_signature_valid(ceb311: bytes) -> None:
    root = signed_root(ceb311)
    node(root, "ceb:Order/ceb:OrderHead").insert(
        0, etree.Comment("URI='' digests the document without comments")
    )
    assert verify_message(root, now=NOW).valid


def test_a_signed_message_still_verifies_after_re_encoding_in_gb18030(ceb311: bytes) -> None:
    text = sign_message(ceb311, make_identity("sm2-sm3"), "sm2-sm3").decode("utf-8")
    body = text.split("?>", 1)[1]
    gb18030 = f'<?xml version="1.0" encoding="GB18030"?>{body}'.encode("gb18030")
    assert verify_message(parse(gb18030), now=NOW).valid


def test_the_key_name_is_reported_but_not_trusted(ceb311: bytes) -> None:
    root = signed_root(ceb311)
    node(signature_of(root), "ds:KeyInfo/ds:KeyName").text = "0001"
    check = verify_message(root, now=NOW)
    assert (check.valid, check.key_name) == (True, "0001")


def test_verification_needs_an_aware_now(ceb311: bytes) -> None:
    with pytest.raises(SignatureError, match="timezone-aware"):
        verify_message(signed_root(ceb311), now=NOW.replace(tzinfo=None))


def test_verification_needs_the_document_root_not_an_inner_element(ceb311: bytes) -> None:
    check = verify_message(node(signed_root(ceb311), "ceb:Order"), now=NOW)
    assert (check.valid, check.code) == (False, INVALID_SIGNATURE)


@pytest.mark.parametrize(
    ("xml", "algorithm", "message"),
    [
        (b"not xml", "rsa-sha256", "not XML"),
        (
            b'<CEB312Message xmlns="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0"/>',
            "rsa-sha256",
            "no signature",
        ),
        (b"<DxpMsg/>", "rsa-sha256", "not a CEB message root"),
        (
            b'<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>',
            "rsa-md5",
            "unknown signature algorithm",
        ),
        (
            b'<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>',
            "sm2-sm3",
            "an RSA key cannot sign sm2-sm3",
        ),
    ],
)
def test_what_cannot_be_signed_is_a_signature_error(xml: bytes, algorithm: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        sign_message(xml, make_identity("rsa-sha256"), algorithm)


def test_an_sm2_key_cannot_sign_rsa(ceb311: bytes) -> None:
    with pytest.raises(SignatureError, match="an SM2 key cannot sign rsa-sha1"):
        sign_message(ceb311, make_identity("sm2-sm3"), "rsa-sha1")

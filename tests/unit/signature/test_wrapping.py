"""Signature wrapping: signatures that a naive verifier would accept, each refused here with 1001.

Every attack below is cryptographically sound: the attacker re-signs SignedInfo with a real key
(`resign`), so only the shape rules of `gateway.signature.structure` stand in the way.
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from gateway.signature import INVALID_SIGNATURE, sign_message, verify_message
from gateway.signature.xmldsig import DS_NS
from schemas.safe_xml import parse
from tests.unit.signature.builders import (
    CEB_NS,
    NOW,
    make_identity,
    node,
    resign,
    set_digest_of,
    signature_of,
)

TRANSFORM = f"{{{DS_NS}}}Transform"


@pytest.fixture
def signed(ceb311: bytes) -> etree._Element:
    return parse(sign_message(ceb311, make_identity(), "rsa-sha256"))


def refused(root: etree._Element, reason: str) -> None:
    check = verify_message(root, now=NOW)
    assert (check.present, check.valid, check.code) == (True, False, INVALID_SIGNATURE)
    assert reason in (check.failure or ""), check.failure


def test_a_signature_moved_into_a_wrapper_element_is_refused(signed: etree._Element) -> None:
    signature = signature_of(signed)
    wrapper = etree.SubElement(signed, f"{{{CEB_NS}}}ExtendMessage")
    wrapper.append(signature)
    refused(signed, "not a direct child of the message root")


def test_a_signature_over_the_original_kept_in_a_wrapper_while_the_root_changed_is_refused(
    signed: etree._Element,
) -> None:
    """The classic: the signed original hides inside a wrapper, the root carries forged data."""
    original = copy.deepcopy(signed)
    forged = copy.deepcopy(signed)
    node(forged, "ceb:Order/ceb:OrderHead/ceb:acturalPaid").text = "1"
    wrapper = etree.SubElement(forged, f"{{{CEB_NS}}}ExtendMessage")
    wrapper.append(original)
    refused(forged, "2 ds:Signature elements; exactly one is allowed")
    forged.remove(signature_of(forged))
    refused(forged, "not a direct child of the message root")


def test_a_second_signature_is_refused(signed: etree._Element) -> None:
    signed.append(copy.deepcopy(signature_of(signed)))
    refused(signed, "2 ds:Signature elements")


def test_a_reference_to_another_element_by_id_is_refused(signed: etree._Element) -> None:
    """Signed validly over an element #x (the attacker's copy of the data), not over the document."""
    target = node(signed, "ceb:BaseTransfer")
    target.set("Id", "x")
    reference = node(signature_of(signed), "ds:SignedInfo/ds:Reference")
    reference.set("URI", "#x")
    reference.remove(node(reference, "ds:Transforms"))
    set_digest_of(signed, target)
    resign(signed, make_identity())
    refused(signed, 'only URI="" is accepted')


def test_a_reference_without_a_uri_is_refused(signed: etree._Element) -> None:
    del node(signature_of(signed), "ds:SignedInfo/ds:Reference").attrib["URI"]
    resign(signed, make_identity())
    refused(signed, "the Reference URI is None")


def test_a_second_reference_is_refused(signed: etree._Element) -> None:
    reference = node(signature_of(signed), "ds:SignedInfo/ds:Reference")
    reference.addnext(copy.deepcopy(reference))
    resign(signed, make_identity())
    refused(signed, "ds:SignedInfo must hold exactly CanonicalizationMethod, SignatureMethod, Reference")


@pytest.mark.parametrize(
    "algorithm",
    [
        "http://www.w3.org/TR/1999/REC-xslt-19991116",
        "http://www.w3.org/TR/1999/REC-xpath-19991116",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2000/09/xmldsig#base64",
    ],
)
def test_an_extra_transform_is_refused(signed: etree._Element, algorithm: str) -> None:
    transforms = node(signature_of(signed), "ds:SignedInfo/ds:Reference/ds:Transforms")
    etree.SubElement(transforms, TRANSFORM, Algorithm=algorithm)
    resign(signed, make_identity())
    refused(signed, "only enveloped-signature (then C14N 1.0) is accepted")


def test_an_xslt_transform_with_a_stylesheet_is_refused(signed: etree._Element) -> None:
    transforms = node(signature_of(signed), "ds:SignedInfo/ds:Reference/ds:Transforms")
    transform = etree.SubElement(
        transforms, TRANSFORM, Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"
    )
    etree.SubElement(transform, "{http://www.w3.org/1999/XSL/Transform}stylesheet", version="1.0")
    resign(signed, make_identity())
    refused(signed, "must not have element content")


def test_a_missing_enveloped_transform_is_refused(signed: etree._Element) -> None:
    transforms = node(signature_of(signed), "ds:SignedInfo/ds:Reference/ds:Transforms")
    for transform in list(transforms):
        transforms.remove(transform)
    resign(signed, make_identity())
    refused(signed, "the transforms are []")


def test_the_enveloped_transform_followed_by_c14n_is_accepted(ceb311: bytes) -> None:
    signed = parse(sign_message(ceb311, make_identity(), "rsa-sha256"))
    transforms = node(signature_of(signed), "ds:SignedInfo/ds:Reference/ds:Transforms")
    etree.SubElement(transforms, TRANSFORM, Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    resign(signed, make_identity())
    assert verify_message(signed, now=NOW).valid


def test_an_object_carrying_a_copy_of_the_data_is_refused(signed: etree._Element) -> None:
    signature = signature_of(signed)
    obj = etree.SubElement(signature, f"{{{DS_NS}}}Object", Id="x")
    obj.append(copy.deepcopy(node(signed, "ceb:Order")))
    refused(signed, "it holds SignedInfo, SignatureValue, KeyInfo, Object")


def test_hmac_output_length_in_the_signature_method_is_refused(signed: etree._Element) -> None:
    method = node(signature_of(signed), "ds:SignedInfo/ds:SignatureMethod")
    etree.SubElement(method, f"{{{DS_NS}}}HMACOutputLength").text = "8"
    resign(signed, make_identity())
    refused(signed, "ds:SignatureMethod must not have element content")


def test_two_certificates_in_key_info_are_refused(signed: etree._Element) -> None:
    data = node(signature_of(signed), "ds:KeyInfo/ds:X509Data")
    data.append(copy.deepcopy(node(data, "ds:X509Certificate")))
    refused(signed, "ds:X509Data must hold exactly X509Certificate")


def test_a_signature_without_key_info_is_refused(signed: etree._Element) -> None:
    signature = signature_of(signed)
    signature.remove(node(signature, "ds:KeyInfo"))
    refused(signed, "it holds SignedInfo, SignatureValue")


def test_a_digest_value_pointed_at_the_document_element_alone_does_not_match(signed: etree._Element) -> None:
    """The digest is over the document minus the Signature: one over some other node set fails."""
    set_digest_of(signed, node(signed, "ceb:Order"))
    resign(signed, make_identity())
    check = verify_message(signed, now=NOW)
    assert (check.valid, check.code) == (False, "1004")


def test_a_processing_instruction_added_before_the_root_is_a_data_mismatch(ceb311: bytes) -> None:
    """URI="" covers the whole document, so a stylesheet PI slipped in before the root is noticed."""
    text = sign_message(ceb311, make_identity(), "rsa-sha256").decode()
    declaration, body = text.split("?>", 1)
    tampered = f'{declaration}?><?xml-stylesheet href="x.xsl" type="text/xsl"?>{body}'.encode()
    assert verify_message(parse(tampered), now=NOW).code == "1004"

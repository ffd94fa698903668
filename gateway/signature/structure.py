"""The one Signature shape a CEB message may carry, checked before any cryptography runs.

Signature wrapping works by making a verifier check one thing and the application use another: a
Signature that references some other element, a second Signature, an Object holding a copy of the
data, transforms (XPath, XSLT) that reshape what is digested. None of that gets through here:

- exactly one ds:Signature in the whole message, and it is a direct child of the root element;
- its children are exactly SignedInfo, SignatureValue, KeyInfo (no Object);
- SignedInfo holds exactly CanonicalizationMethod (C14N 1.0), SignatureMethod (a known URI) and ONE
  Reference with URI="" (the whole document), whose Transforms are the enveloped-signature
  transform, optionally followed by C14N 1.0, and nothing else;
- no algorithm element has element content (no HMACOutputLength, no XPath, no XSLT);
- KeyInfo holds an optional KeyName and exactly one X509Data with exactly one X509Certificate.

`read_signature` returns the parts or raises `ShapeError`, which stays in this package.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from gateway.signature.algorithms import BY_SIGNATURE_URI, C14N, DIGEST_NAMES, ENVELOPED, Algorithm
from gateway.signature.xmldsig import decode_base64, ds


class ShapeError(ValueError):
    """The Signature is not the one shape accepted; the message says what differs."""


@dataclass(frozen=True)
class SignatureParts:
    """What verification needs from a well-shaped Signature."""

    signature: etree._Element
    signed_info: etree._Element
    algorithm: Algorithm
    digest_name: str
    digest_value: bytes
    signature_value: bytes
    certificate_der: bytes
    key_name: str | None


def read_signature(root: etree._Element) -> SignatureParts:
    """The parts of the one Signature of `root`, or ShapeError."""
    found = list(root.iter(ds("Signature")))
    if len(found) != 1:
        raise ShapeError(f"the message carries {len(found)} ds:Signature elements; exactly one is allowed")
    signature = found[0]
    if signature.getparent() is not root:
        raise ShapeError("the ds:Signature is not a direct child of the message root")
    signed_info, signature_value, key_info = _children(signature, ("SignedInfo", "SignatureValue", "KeyInfo"))
    algorithm, reference = _signed_info(signed_info)
    digest_name, digest_value = _reference(reference)
    certificate_der, key_name = _key_info(key_info)
    return SignatureParts(
        signature=signature,
        signed_info=signed_info,
        algorithm=algorithm,
        digest_name=digest_name,
        digest_value=digest_value,
        signature_value=_base64(signature_value, "SignatureValue"),
        certificate_der=certificate_der,
        key_name=key_name,
    )


def _elements(element: etree._Element) -> list[etree._Element]:
    """The element children, leaving out comments and processing instructions."""
    return [node for node in element if isinstance(node.tag, str)]


def _children(element: etree._Element, names: tuple[str, ...]) -> list[etree._Element]:
    children = _elements(element)
    if [node.tag for node in children] != [ds(name) for name in names]:
        found = ", ".join(etree.QName(node).localname for node in children) or "nothing"
        name = etree.QName(element).localname
        raise ShapeError(f"ds:{name} must hold exactly {', '.join(names)}; it holds {found}")
    return children


def _algorithm_uri(element: etree._Element) -> str:
    if _elements(element):
        raise ShapeError(f"ds:{etree.QName(element).localname} must not have element content")
    return element.get("Algorithm", "")


def _signed_info(signed_info: etree._Element) -> tuple[Algorithm, etree._Element]:
    c14n, method, reference = _children(
        signed_info, ("CanonicalizationMethod", "SignatureMethod", "Reference")
    )
    if (uri := _algorithm_uri(c14n)) != C14N:
        raise ShapeError(f"unsupported CanonicalizationMethod {uri!r}; only {C14N} is accepted")
    uri = _algorithm_uri(method)
    if uri not in BY_SIGNATURE_URI:
        raise ShapeError(f"unknown SignatureMethod {uri!r}")
    return BY_SIGNATURE_URI[uri], reference


def _reference(reference: etree._Element) -> tuple[str, bytes]:
    if reference.get("URI") != "":
        raise ShapeError(f'the Reference URI is {reference.get("URI")!r}; only URI="" is accepted')
    transforms, method, value = _children(reference, ("Transforms", "DigestMethod", "DigestValue"))
    uris = [_algorithm_uri(node) for node in _elements(transforms)]
    if [node.tag for node in _elements(transforms)] != [ds("Transform")] * len(uris) or uris not in (
        [ENVELOPED],
        [ENVELOPED, C14N],
    ):
        raise ShapeError(f"the transforms are {uris}; only enveloped-signature (then C14N 1.0) is accepted")
    uri = _algorithm_uri(method)
    if uri not in DIGEST_NAMES:
        raise ShapeError(f"unknown DigestMethod {uri!r}")
    return DIGEST_NAMES[uri], _base64(value, "DigestValue")


def _key_info(key_info: etree._Element) -> tuple[bytes, str | None]:
    children = _elements(key_info)
    key_name = None
    if children and children[0].tag == ds("KeyName"):
        key_name = (children[0].text or "").strip()
        children = children[1:]
    if [node.tag for node in children] != [ds("X509Data")]:
        raise ShapeError("ds:KeyInfo must hold an optional KeyName and exactly one X509Data")
    (certificate,) = _children(children[0], ("X509Certificate",))
    return _base64(certificate, "X509Certificate"), key_name


def _base64(element: etree._Element, name: str) -> bytes:
    try:
        return decode_base64(element.text)
    except ValueError as exc:
        raise ShapeError(f"ds:{name} is not base64 ({exc})") from exc

"""The XML side of an enveloped CEB signature: the Signature element, C14N, the document digest.

    <ds:Signature>                                   a direct child of the message root
      <ds:SignedInfo>
        <ds:CanonicalizationMethod Algorithm="…REC-xml-c14n-20010315"/>
        <ds:SignatureMethod Algorithm="…"/>
        <ds:Reference URI="">                        the whole document
          <ds:Transforms><ds:Transform Algorithm="…#enveloped-signature"/></ds:Transforms>
          <ds:DigestMethod Algorithm="…"/>
          <ds:DigestValue>base64(digest(C14N(document without the Signature)))</ds:DigestValue>
      <ds:SignatureValue>base64(sign(C14N(SignedInfo)))</ds:SignatureValue>
      <ds:KeyInfo><ds:KeyName>certificate serial, hex</ds:KeyName>
        <ds:X509Data><ds:X509Certificate>base64(DER)</ds:X509Certificate></ds:X509Data></ds:KeyInfo>

C14N is inclusive C14N 1.0 without comments; SignedInfo is canonicalised where it stands, so it
carries the namespace declarations in scope (xmlns:ceb of the root), as XML-DSig requires.
"""

from __future__ import annotations

import base64

from lxml import etree

from gateway.signature.algorithms import C14N, ENVELOPED, Algorithm, digest
from gateway.signature.certificate import Certificate

DS_NS = "http://www.w3.org/2000/09/xmldsig#"


def ds(name: str) -> str:
    """The Clark name of an XML-DSig element."""
    return f"{{{DS_NS}}}{name}"


def canonical(node: etree._Element | etree._ElementTree) -> bytes:
    """Inclusive C14N 1.0 without comments."""
    return etree.tostring(node, method="c14n", exclusive=False, with_comments=False)


def document_digest(root: etree._Element, signature: etree._Element, hash_name: str) -> bytes:
    """digest(C14N(the document of `root`, with `signature`, a child of `root`, taken out)).

    The enveloped-signature transform removes the Signature element only: its tail text stays, so it
    is handed to the node before it. The document (not just the root) is canonicalised, so processing
    instructions around the root count too, as for any URI="" reference.

    The Signature is taken out in place and put back afterwards, leaving the tree as it was: a deep
    copy of the document cost more than the canonicalisation itself.
    """
    if signature.getparent() is not root:
        raise ValueError("the signature is not a child of the message root")
    index = root.index(signature)
    previous = signature.getprevious()
    kept = (previous.tail if previous is not None else root.text), signature.tail
    remove_keeping_tail(signature)
    try:
        return digest(hash_name, canonical(root.getroottree()))
    finally:
        if previous is not None:
            previous.tail = kept[0]
        else:
            root.text = kept[0]
        root.insert(index, signature)
        signature.tail = kept[1]


def remove_keeping_tail(element: etree._Element) -> None:
    """Take `element` out of its parent, leaving the text after it where it was."""
    parent = element.getparent()
    if parent is None:
        raise ValueError("the signature has no parent")
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def build_signature(algorithm: Algorithm, certificate: Certificate) -> etree._Element:
    """A Signature element with empty DigestValue and SignatureValue, ready to be placed and filled."""
    signature = etree.Element(ds("Signature"), nsmap={"ds": DS_NS})
    signed_info = etree.SubElement(signature, ds("SignedInfo"))
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=C14N)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=algorithm.signature_uri)
    reference = etree.SubElement(signed_info, ds("Reference"), URI="")
    transforms = etree.SubElement(reference, ds("Transforms"))
    etree.SubElement(transforms, ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(reference, ds("DigestMethod"), Algorithm=algorithm.digest_uri)
    etree.SubElement(reference, ds("DigestValue"))
    etree.SubElement(signature, ds("SignatureValue"))
    key_info = etree.SubElement(signature, ds("KeyInfo"))
    etree.SubElement(key_info, ds("KeyName")).text = certificate.serial_hex
    x509_data = etree.SubElement(key_info, ds("X509Data"))
    etree.SubElement(x509_data, ds("X509Certificate")).text = base64.b64encode(certificate.der).decode()
    return signature


def child(element: etree._Element, path: str) -> etree._Element:
    """The element at `path` (ds: names, "/"-separated) below `element`; ValueError if there is none."""
    found = element.find("/".join(ds(name) for name in path.split("/")))
    if found is None:
        raise ValueError(f"no ds:{path}")
    return found


def decode_base64(text: str | None) -> bytes:
    """The bytes of base64 text that may be wrapped over lines; ValueError if it is not base64."""
    compact = "".join((text or "").split())
    if not compact:
        raise ValueError("empty")
    return base64.b64decode(compact, validate=True)

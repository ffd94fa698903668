"""`sign_message`: sign a CEB business message the way the China E-port expects, and change nothing else.

Placement follows the message's XSD family (`schemas.definition`): an import declaration ends
`… ExtendMessage?, Signature`, an export declaration `… Signature, ExtendMessage?`. A Signature that
is already a child of the root is replaced; receipts and customs-sent messages are not signed.
"""

from __future__ import annotations

import base64

from lxml import etree

from gateway.signature.algorithms import ALGORITHMS, Algorithm
from gateway.signature.errors import SignatureError
from gateway.signature.identity import SigningIdentity
from gateway.signature.xmldsig import (
    build_signature,
    canonical,
    child,
    document_digest,
    ds,
    remove_keeping_tail,
)
from schemas.definition import BY_ROOT
from schemas.definition.model import CEB_NS, Trailer
from schemas.safe_xml import XmlInputError, parse


def sign_message(xml: bytes, identity: SigningIdentity, algorithm: str = "rsa-sha256") -> bytes:
    """`xml` with an enveloped ds:Signature by `identity`, serialised as UTF-8; or SignatureError."""
    chosen = _algorithm(algorithm)
    try:
        root = parse(xml)
    except XmlInputError as exc:
        raise SignatureError(f"the message is not XML this system accepts: {exc.message}") from exc
    trailer = _trailer(root)
    for old in root.findall(ds("Signature")):
        remove_keeping_tail(old)
    if root.find(f".//{ds('Signature')}") is not None:
        raise SignatureError("the message has a ds:Signature below the root; refusing to sign around it")
    signature = build_signature(chosen, identity.certificate)
    _place(root, signature, trailer)
    digest_value = document_digest(root, signature, chosen.hash_name)
    child(signature, "SignedInfo/Reference/DigestValue").text = base64.b64encode(digest_value).decode()
    signature_value = identity.sign(canonical(child(signature, "SignedInfo")), chosen)
    child(signature, "SignatureValue").text = base64.b64encode(signature_value).decode()
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _algorithm(name: str) -> Algorithm:
    if name not in ALGORITHMS:
        raise SignatureError(f"unknown signature algorithm {name!r}; use one of {', '.join(ALGORITHMS)}")
    return ALGORITHMS[name]


def _trailer(root: etree._Element) -> Trailer:
    qname = etree.QName(root)
    message = BY_ROOT.get(qname.localname) if qname.namespace == CEB_NS else None
    if message is None:
        raise SignatureError(f"{qname.localname} is not a CEB message root")
    if message.trailer is Trailer.NONE:
        raise SignatureError(f"{message.code} is sent by customs or is a receipt: it carries no signature")
    return message.trailer


def _place(root: etree._Element, signature: etree._Element, trailer: Trailer) -> None:
    """Import: the last child. Export: before ExtendMessage when there is one, else the last child."""
    extend = root.find(f"{{{CEB_NS}}}ExtendMessage")
    if trailer is Trailer.SIGNATURE_THEN_EXTEND and extend is not None:
        extend.addprevious(signature)
    else:
        root.append(signature)

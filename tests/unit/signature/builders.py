"""Builders for the signature tests: a fixed clock, cached keys, official samples without their signature."""

from __future__ import annotations

import base64
import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from gateway.signature import KeyKind, SigningIdentity, issue_identity, new_key
from gateway.signature.algorithms import ALGORITHMS, digest
from gateway.signature.private_keys import PrivateKey
from gateway.signature.xmldsig import DS_NS, canonical, remove_keeping_tail
from schemas.safe_xml import parse

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CEB_NS = "http://www.chinaport.gov.cn/ceb"
NS = {"ds": DS_NS, "ceb": CEB_NS}
KIND = {"rsa-sha1": KeyKind.RSA, "rsa-sha256": KeyKind.RSA, "sm2-sm3": KeyKind.SM2}


@functools.cache
def cached_key(kind: KeyKind, slot: int = 0) -> PrivateKey:
    """One key per (kind, slot) for the whole session: RSA-2048 generation costs about 100 ms."""
    return new_key(kind)


def make_identity(
    algorithm: str = "rsa-sha256",
    *,
    slot: int = 0,
    not_before: datetime = NOW - timedelta(days=30),
    not_after: datetime = NOW + timedelta(days=365),
) -> SigningIdentity:
    key = cached_key(KIND[algorithm], slot)
    return issue_identity(
        "1105910159", "东方物通科技(北京)有限公司", not_before=not_before, not_after=not_after, key=key
    )


def unsigned_sample(official_dir: Path, name: str) -> bytes:
    """An official sample (e.g. "import/CEB311Message.xml") with its ds:Signature taken out."""
    root = parse((official_dir / "samples" / name).read_bytes())
    for signature in root.findall(f"{{{DS_NS}}}Signature"):
        remove_keeping_tail(signature)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def with_extend_message(xml: bytes) -> bytes:
    """The message with a ceb:ExtendMessage appended as its last child."""
    root = parse(xml)
    extend = etree.SubElement(root, f"{{{CEB_NS}}}ExtendMessage")
    for name, text in (("name", "local"), ("version", "1.0"), ("Message", "x")):
        etree.SubElement(extend, f"{{{CEB_NS}}}{name}").text = text
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def signature_of(root: etree._Element) -> etree._Element:
    found = root.find("ds:Signature", NS)
    assert found is not None
    return found


def node(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def resign(root: etree._Element, identity: SigningIdentity, algorithm: str = "rsa-sha256") -> None:
    """Recompute the SignatureValue over the current SignedInfo, as an attacker holding a key would."""
    signature = signature_of(root)
    value = identity.sign(canonical(node(signature, "ds:SignedInfo")), ALGORITHMS[algorithm])
    node(signature, "ds:SignatureValue").text = base64.b64encode(value).decode()


def set_digest_of(root: etree._Element, element: etree._Element, hash_name: str = "sha256") -> None:
    """Point the DigestValue at `element`'s C14N, as a wrapping attack does."""
    value = digest(hash_name, canonical(element))
    node(signature_of(root), "ds:SignedInfo/ds:Reference/ds:DigestValue").text = base64.b64encode(
        value
    ).decode()

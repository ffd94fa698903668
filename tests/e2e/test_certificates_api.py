"""Self-service signing certificates over HTTP (POST/GET/DELETE /api/certificates): an enterprise
rotates its own certificate; bad, expired and foreign certificates are refused and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx2

from declarations.store.certificates import MAX_CERTIFICATES
from gateway.signature import KeyKind, SigningIdentity
from tests.e2e.builders import Firm, identity_for, order
from tests.e2e.conftest import Gateway, add_certificate


def _call(gateway: Gateway, method: str, url: str, firm: Firm, body: bytes | None = None) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {firm.api_key}", "Content-Type": "application/x-pem-file"}
    return gateway.client.request(method, url, headers=headers, content=body)


def _fingerprints(gateway: Gateway, firm: Firm) -> list[str]:
    answer = _call(gateway, "GET", "/api/certificates", firm)
    assert answer.status_code == 200, answer.text
    return [c["sha256"] for c in answer.json()["certificates"]]


def _new_identity(firm: Firm, kind: KeyKind, **validity: datetime) -> SigningIdentity:
    return identity_for(firm.code, firm.enterprise.name, kind, slot=f"{firm.code}-next", **validity)


def test_a_rotation_registers_the_new_certificate_signs_with_it_and_removes_the_old_one(
    gateway: Gateway,
) -> None:
    shop = gateway.shop
    new = _new_identity(shop, KeyKind.SM2)
    unknown = gateway.post(shop.message("CEB311", [order(shop)], algorithm="sm2-sm3", signer=new), shop)
    assert unknown.status_code == 403  # not registered yet

    registered = _call(gateway, "POST", "/api/certificates", shop, new.certificate_pem)
    assert registered.status_code == 201, registered.text
    shown = registered.json()
    assert (shown["sha256"], shown["serial"], shown["algorithm"]) == (
        new.certificate.fingerprint,
        new.certificate.serial_hex,
        "sm2",
    )
    assert shown["not_after"] == new.certificate.not_after.isoformat()
    signed = gateway.post(shop.message("CEB311", [order(shop)], algorithm="sm2-sm3", signer=new), shop)
    assert signed.status_code == 202, signed.text

    old = shop.sm2.certificate.fingerprint
    remembered = gateway.post(shop.message("CEB311", [order(shop)], algorithm="sm2-sm3"), shop)
    assert remembered.status_code == 202, remembered.text  # the gateway now remembers its owner
    held = [shop.rsa.certificate.fingerprint, old, new.certificate.fingerprint]
    assert _fingerprints(gateway, shop) == held
    assert _call(gateway, "DELETE", f"/api/certificates/{old}", shop).status_code == 204
    # at once: the process that answered the DELETE forgot what it remembered
    refused = gateway.post(shop.message("CEB311", [order(shop)], algorithm="sm2-sm3"), shop)
    assert refused.status_code == 403
    assert refused.headers["X-Cebsim-Rule"] == "signature:1001"
    assert old not in _fingerprints(gateway, shop)
    again = gateway.post(shop.message("CEB311", [order(shop)], algorithm="sm2-sm3", signer=new), shop)
    assert again.status_code == 202, again.text


def test_registering_the_same_certificate_again_answers_the_same(gateway: Gateway) -> None:
    shop = gateway.shop
    new = _new_identity(shop, KeyKind.RSA)
    first = _call(gateway, "POST", "/api/certificates", shop, new.certificate_der)  # DER works too
    again = _call(gateway, "POST", "/api/certificates", shop, new.certificate_pem)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert _fingerprints(gateway, shop).count(new.certificate.fingerprint) == 1


def test_bad_expired_and_foreign_certificates_are_refused_and_nothing_is_registered(
    gateway: Gateway,
) -> None:
    shop, rival = gateway.shop, gateway.rival
    before = _fingerprints(gateway, shop)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    expired = _new_identity(shop, KeyKind.SM2, valid_from=yesterday - timedelta(days=365), valid_to=yesterday)
    pem_key = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"
    # a certificate naming the shop that the operator registered to the rival
    misfiled = _new_identity(shop, KeyKind.RSA)
    add_certificate(gateway.runtime, rival.code, misfiled)
    cases = [
        (b"not a certificate", 400, "certificate-unreadable"),
        (pem_key, 400, "certificate-unreadable"),
        (b"0" * (64 * 1024 + 1), 400, "certificate-unreadable"),
        (expired.certificate_pem, 400, "certificate-expired"),
        (rival.rsa.certificate_pem, 403, "certificate-subject"),  # public: it is in every message
        (misfiled.certificate_pem, 409, "certificate-owner"),
    ]
    for body, status, rule in cases:
        answer = _call(gateway, "POST", "/api/certificates", shop, body)
        assert (answer.status_code, answer.json()["error"]["rule"]) == (status, rule), answer.text
    assert rival.code not in answer.text  # the owner is not named to another enterprise
    assert _fingerprints(gateway, shop) == before
    assert rival.rsa.certificate.fingerprint not in _fingerprints(gateway, shop)


def test_an_enterprise_holds_at_most_the_limit_and_removes_only_its_own(gateway: Gateway) -> None:
    shop, rival = gateway.shop, gateway.rival
    for n in range(MAX_CERTIFICATES - len(_fingerprints(gateway, shop))):
        extra = identity_for(shop.code, shop.enterprise.name, KeyKind.SM2, slot=f"extra-{n}")
        assert _call(gateway, "POST", "/api/certificates", shop, extra.certificate_pem).status_code == 201
    one_more = _new_identity(shop, KeyKind.SM2)
    refused = _call(gateway, "POST", "/api/certificates", shop, one_more.certificate_pem)
    assert (refused.status_code, refused.json()["error"]["rule"]) == (409, "certificate-limit")

    theirs = rival.rsa.certificate.fingerprint
    assert _call(gateway, "DELETE", f"/api/certificates/{theirs}", shop).status_code == 404
    assert _call(gateway, "DELETE", "/api/certificates/not-a-fingerprint", shop).status_code == 404
    assert theirs in _fingerprints(gateway, rival)
    assert one_more.certificate.fingerprint not in _fingerprints(gateway, shop)


def test_the_certificates_api_needs_a_key(gateway: Gateway) -> None:
    assert gateway.client.get("/api/certificates").status_code == 401

"""Self-service signing certificates: an enterprise registers, lists and removes its own.

    POST   /api/certificates          the certificate, PEM or DER, as the body
                                      → 201 {sha256, serial, subject, algorithm, not_before,
                                      not_after, registered_at}; registering one again answers the
                                      same; 400 `certificate-unreadable` or `certificate-expired`;
                                      403 `certificate-subject` unless its subject names your code;
                                      409 `certificate-owner` (another enterprise's) or
                                      `certificate-limit` (10 registered)
    GET    /api/certificates          → {"certificates": [the same fields]}, oldest first
    DELETE /api/certificates/{sha256} → 204: signatures made with it are refused (403
                                      `signature:1001`) at once by the gateway process that
                                      answered, by others within a second or so; 404 `certificate-unknown`

Rotation before a certificate expires: POST the new one, sign with it, DELETE the old one.
Operators do the same with `cebsim enterprise cert | certs | cert-remove`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from declarations.errors import ConflictError, RequestError
from declarations.store.certificates import MAX_CERTIFICATES
from gateway.auth import Caller
from gateway.problems import ApiProblem
from gateway.runtime import Runtime
from gateway.signature.certificate import Certificate, der_from_pem_or_der, described, read_certificate
from gateway.signature.errors import SignatureError

router = APIRouter(tags=["certificates"])
MAX_BODY = 64 * 1024  # a certificate is 1-2 KB; a chain or a key pasted by mistake is refused early
EXAMPLE = {
    "sha256": "3f1c9a0e5b7d…",
    "serial": "1a2b3c4d",
    "subject": "Common Name: 东方物通",
    "algorithm": "sm2",
    "not_before": "2026-01-01T00:00:00+00:00",
    "not_after": "2027-01-01T00:00:00+00:00",
    "registered_at": "2026-11-28T08:00:00+00:00",
}
REGISTER_BODY = {
    "required": True,
    "content": {
        "application/x-pem-file": {
            "schema": {"type": "string"},
            "example": "-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n",
        },
        "application/pkix-cert": {"schema": {"type": "string", "format": "binary"}},
    },
}


def _problem(status: int, rule: str, message: str) -> dict[str, Any]:
    error = {"status": status, "rule": rule, "code": "", "message": message}
    return {"description": message, "content": {"application/json": {"example": {"error": error}}}}


REGISTERED: dict[int | str, dict[str, Any]] = {
    201: {"description": "Registered", "content": {"application/json": {"example": EXAMPLE}}},
    400: _problem(400, "certificate-expired", "the certificate expired at 2025-01-01T00:00:00+00:00"),
    403: _problem(403, "certificate-subject", "the certificate's subject does not name your enterprise code"),
    409: _problem(409, "certificate-owner", "this certificate is registered to another enterprise"),
}


def _json(sha256: str, serial: str, der: bytes, registered_at: datetime) -> dict[str, Any]:
    # a registration made before certificates were checked may not read: what is known, then
    return {
        "sha256": sha256,
        "serial": serial,
        **(described(der) or {}),
        "registered_at": registered_at.isoformat(),
    }


def _certificate(body: bytes, code: str, now: datetime) -> Certificate:
    if len(body) > MAX_BODY:
        raise RequestError(f"the body is larger than {MAX_BODY} bytes", rule="certificate-unreadable")
    try:
        certificate = read_certificate(der_from_pem_or_der(body))
    except SignatureError as exc:
        raise RequestError(
            f"the body must be one X.509 certificate (PEM or DER) with an RSA or SM2 key: {exc}",
            rule="certificate-unreadable",
        ) from exc
    if certificate.not_after <= now:
        raise RequestError(
            f"the certificate expired at {certificate.not_after.isoformat()}", rule="certificate-expired"
        )
    if code not in certificate.subject_values:
        # a certificate is public (every signed message carries it): without this, anyone could
        # register another enterprise's and keep it from registering its own
        raise ApiProblem(
            403,
            "certificate-subject",
            f"the certificate's subject does not name your enterprise code {code} (as its "
            "serialNumber, the way the mock CA of `cebsim` issues them); the operator can register "
            "it for you with `cebsim enterprise cert`",
        )
    return certificate


@router.post(
    "/api/certificates",
    status_code=201,
    summary="Register a signing certificate of yours",
    openapi_extra={"requestBody": REGISTER_BODY},
    responses=REGISTERED,
)
async def register(request: Request, caller: Caller) -> dict[str, Any]:
    """Messages you sign with this certificate's key are accepted from now on."""
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock.now()
    certificate = _certificate(await request.body(), caller.code, now)
    try:
        await run_in_threadpool(
            runtime.registry.add_certificate,
            caller.code,
            certificate.der,
            certificate.serial_hex,
            now,
            limit=MAX_CERTIFICATES,
        )
    except ConflictError as exc:
        if exc.rule != "certificate-owner":
            raise
        # the registry's message names the owner, for operators: not for another enterprise
        raise ConflictError(
            "this certificate is registered to another enterprise", rule="certificate-owner"
        ) from None
    held = await run_in_threadpool(runtime.registry.certificates, caller.code)
    registered_at = next(c.created_at for c in held if c.fingerprint == certificate.fingerprint)
    return _json(certificate.fingerprint, certificate.serial_hex, certificate.der, registered_at)


@router.get("/api/certificates", summary="Your signing certificates")
def listed(request: Request, caller: Caller) -> dict[str, Any]:
    """Your registered certificates, oldest first, with their validity."""
    runtime: Runtime = request.app.state.runtime
    held = runtime.registry.certificates(caller.code)
    return {"certificates": [_json(c.fingerprint, c.serial, c.der, c.created_at) for c in held]}


@router.delete("/api/certificates/{sha256}", status_code=204, summary="Remove one of your certificates")
def remove(request: Request, caller: Caller, sha256: str) -> Response:
    """Signatures made with it are refused from now on (by other gateway processes within a second or so)."""
    runtime: Runtime = request.app.state.runtime
    if not runtime.registry.remove_certificate(caller.code, sha256[:64]):
        raise ApiProblem(404, "certificate-unknown", f"you have no certificate {sha256[:64]!r}")
    runtime.intake.forget_certificates(caller.code)
    return Response(status_code=204)

"""Self-service API keys: an enterprise rotates its own keys without asking the operator.

    POST   /api/keys        → 201 {id, prefix, api_key, created_at}: the key is shown this once;
                            409 `key-limit` when 10 are live
    GET    /api/keys        → {"keys": [{id, prefix, created_at, revoked_at}]}: revoked ones too,
                            never a key itself
    DELETE /api/keys/{id}   → 204: the key is revoked, refused at once by the gateway process that
                            answered (others within a second or so, gateway.recent); 404 `key-unknown` if
                            it is not one of your live keys

Rotation: POST a new key, move your clients to it, DELETE the old one. Revoking the key a request
is made with is allowed: it is how a leaked key is stopped. Operators do the same with
`cebsim enterprise key | keys | key-revoke`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from gateway.auth import Caller
from gateway.problems import ApiProblem
from gateway.routes.paths import row_id
from gateway.runtime import Runtime

router = APIRouter(tags=["keys"])
ISSUED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Issued. Keep the key: it is stored only as its SHA-256 and shown only now.",
        "content": {
            "application/json": {
                "example": {
                    "id": 4,
                    "prefix": "cebsim_Xq3v9L",
                    "api_key": "cebsim_Xq3v9L…",
                    "created_at": "2026-11-28T08:00:00+00:00",
                }
            }
        },
    },
    409: {
        "description": "You already have 10 live keys",
        "content": {
            "application/json": {
                "example": {
                    "error": {
                        "status": 409,
                        "rule": "key-limit",
                        "code": "",
                        "message": "you have 10 live API keys; revoke one (DELETE /api/keys/{id}) first",
                    }
                }
            }
        },
    },
}


@router.post("/api/keys", status_code=201, summary="Issue a new API key for yourself", responses=ISSUED)
def issue(request: Request, caller: Caller) -> dict[str, Any]:
    """A new key that works at once beside your others; the key is in this answer only."""
    runtime: Runtime = request.app.state.runtime
    key, api_key = runtime.registry.issue_key(caller.code, runtime.clock.now())
    shown = key.listed()
    del shown["revoked_at"]
    return {**shown, "api_key": api_key}


@router.get("/api/keys", summary="Your API keys")
def listed(request: Request, caller: Caller) -> dict[str, Any]:
    """Every key you were given, oldest first, revoked ones included; only their first characters."""
    runtime: Runtime = request.app.state.runtime
    return {"keys": [key.listed() for key in runtime.registry.keys(caller.code)]}


@router.delete("/api/keys/{key_id}", status_code=204, summary="Revoke one of your API keys")
def revoke(request: Request, caller: Caller, key_id: str) -> Response:
    """Requests with it are answered 401 from now on (by other gateway processes within a second or so)."""
    runtime: Runtime = request.app.state.runtime
    number = row_id(key_id)
    if number is None or not runtime.registry.revoke_key(caller.code, number, runtime.clock.now()):
        raise ApiProblem(404, "key-unknown", f"you have no live API key {key_id[:20]!r}")
    runtime.keys.forget(caller.code)
    return Response(status_code=204)

"""Self-service webhooks: an enterprise registers, lists and removes the URLs its receipts go to.

    POST   /api/webhooks        {"url": "https://…"}  → 201 {id, url, secret, created_at}: the HMAC
                                secret is shown this once; 409 if the URL is already registered
                                (remove it to get a new secret) or 10 are; 400 for a bad URL
    GET    /api/webhooks        → {"webhooks": [{id, url, created_at}]}: live ones, no secrets
    DELETE /api/webhooks/{id}   → 204; its pending deliveries are marked failed ("webhook removed")

Operators do the same with `cebsim enterprise webhook`. Deliveries are signed with HMAC-SHA256
(`gateway.webhooks.signing`) and logged at GET /api/webhooks/deliveries.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from declarations.errors import RequestError
from declarations.store.webhooks import Webhook
from gateway.auth import Caller
from gateway.problems import ApiProblem
from gateway.routes.paths import row_id
from gateway.runtime import Runtime
from gateway.webhooks.deliveries import remove_webhook

router = APIRouter(tags=["webhooks"])
MAX_BODY = 4096
REGISTER_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["url"],
                "properties": {"url": {"type": "string", "format": "uri", "maxLength": 500}},
            },
            "example": {"url": "https://erp.example.com/cebsim/receipts"},
        }
    },
}
REGISTERED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Registered. The secret signs every delivery (HMAC-SHA256) and is shown only now.",
        "content": {
            "application/json": {
                "example": {
                    "id": 3,
                    "url": "https://erp.example.com/cebsim/receipts",
                    "secret": "pV1m4C2n…",
                    "created_at": "2026-11-28T08:00:00+00:00",
                }
            }
        },
    },
    409: {
        "description": "This URL is already registered (remove it first to get a new secret), or 10 are",
        "content": {
            "application/json": {
                "example": {
                    "error": {
                        "status": 409,
                        "rule": "webhook-exists",
                        "code": "",
                        "message": "webhook 3 already delivers to this URL; remove it to register again",
                    }
                }
            }
        },
    },
}


def _json(hook: Webhook, *, secret: bool = False) -> dict[str, Any]:
    shown: dict[str, Any] = {"id": hook.id, "url": hook.url}
    if secret:
        shown["secret"] = hook.secret
    shown["created_at"] = _iso(hook.created_at)
    return shown


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


@router.post(
    "/api/webhooks",
    status_code=201,
    summary="Register a webhook for your receipts",
    openapi_extra={"requestBody": REGISTER_BODY},
    responses=REGISTERED,
)
async def register(request: Request, caller: Caller) -> dict[str, Any]:
    """Every receipt for you is POSTed to this URL as well, signed; the secret is in this answer only."""
    runtime: Runtime = request.app.state.runtime
    url = _url(await request.body())
    hook = runtime.registry.add_webhook(caller.code, url, runtime.clock.now())
    return _json(hook, secret=True)


def _url(body: bytes) -> str:
    if len(body) > MAX_BODY:
        raise RequestError(f"the body is larger than {MAX_BODY} bytes", rule="webhook-body")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(
            f'the body must be JSON: {{"url": "https://…"}} ({exc})', rule="webhook-body"
        ) from exc
    url = payload.get("url") if isinstance(payload, dict) else None
    if not isinstance(url, str):
        raise RequestError('the body must be a JSON object with a "url" string', rule="webhook-body")
    return url


@router.get("/api/webhooks", summary="Your webhooks")
def listed(request: Request, caller: Caller) -> dict[str, Any]:
    """Your live webhooks, oldest first (their secrets are not shown again)."""
    runtime: Runtime = request.app.state.runtime
    return {"webhooks": [_json(hook) for hook in runtime.registry.webhooks(caller.code)]}


@router.delete("/api/webhooks/{webhook_id}", status_code=204, summary="Remove one of your webhooks")
def remove(request: Request, caller: Caller, webhook_id: str) -> Response:
    """No more deliveries to it; its pending ones are marked failed in the delivery log."""
    runtime: Runtime = request.app.state.runtime
    number = row_id(webhook_id)
    if number is None or remove_webhook(runtime.engine, caller.code, number, runtime.clock.now()) is None:
        raise ApiProblem(404, "webhook-unknown", f"you have no live webhook {webhook_id[:20]!r}")
    return Response(status_code=204)

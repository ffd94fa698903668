"""The query API: a document's status trail, and the caller's webhook delivery log."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from declarations.errors import RequestError
from declarations.store.trails import DocumentVersion, Trail, TrailStore
from gateway.auth import Caller
from gateway.problems import ApiProblem
from gateway.routes.receipts import page_bounds
from gateway.runtime import Runtime
from gateway.webhooks.deliveries import DeliveryEntry, DeliveryLog

MESSAGE_TYPE = re.compile(r"^CEB\d{3}$")
router = APIRouter(tags=["query"])


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def version_json(version: DocumentVersion) -> dict[str, Any]:
    return {
        "guid": version.guid,
        "version": version.version,
        "current": version.current,
        "sender_code": version.sender_code,
        "app_type": version.app_type,
        "app_status": version.app_status,
        "status": version.status,
        "accepted_at": _iso(version.accepted_at),
        "pre_no": version.pre_no,
        "invt_no": version.invt_no,
    }


def trail_json(trail: Trail) -> dict[str, Any]:
    numbers = {version.id: version.version for version in trail.versions}
    current = next((v for v in trail.versions if v.current), trail.versions[-1])
    return {
        "message_type": trail.message_type,
        "business_key": trail.business_key,
        "status": current.status,
        "versions": [version_json(version) for version in trail.versions],
        "receipts": [
            {
                "version": numbers[document_id],
                "document_guid": receipt.document_guid,
                "message_type": receipt.message_type,
                "return_status": receipt.return_status,
                "return_time": receipt.return_time_text,
                "return_info": receipt.return_info,
            }
            for document_id, receipt in trail.receipts
        ],
    }


def _found(trail: Trail | None) -> dict[str, Any]:
    if trail is None:  # unknown, or not the caller's: the same answer, so nothing leaks
        raise ApiProblem(404, "document-not-found", "no such document among those you sent or are named in")
    return trail_json(trail)


@router.get("/api/documents/by-guid/{guid}", summary="A document's status trail, by its guid")
def by_guid(request: Request, caller: Caller, guid: str) -> dict[str, Any]:
    """Every version of the document's business key and every receipt, in order; 404 if not yours."""
    runtime: Runtime = request.app.state.runtime
    return _found(TrailStore(runtime.engine).by_guid(caller.code, guid.upper()))


@router.get("/api/documents/{message_type}/{business_key:path}", summary="A document's status trail")
def by_key(request: Request, caller: Caller, message_type: str, business_key: str) -> dict[str, Any]:
    """The trail by message type and business key (e.g. `CEB311/1105910159|order20240308001`:
    the key's fields joined by `|`, as the acceptance answer reports it); 404 if not yours."""
    if not MESSAGE_TYPE.match(message_type):
        raise RequestError(f"{message_type!r} is not a CEB message type like CEB311", rule="message-type")
    runtime: Runtime = request.app.state.runtime
    return _found(TrailStore(runtime.engine).by_key(caller.code, message_type, business_key))


def delivery_json(entry: DeliveryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "webhook_id": entry.webhook_id,
        "url": entry.url,
        "receipt_cursor": entry.receipt_cursor,
        "state": entry.state,
        "attempts": entry.attempts,
        "next_attempt_at": _iso(entry.next_attempt_at),
        "last_status_code": entry.last_status_code,
        "last_error": entry.last_error,
        "delivered_at": _iso(entry.delivered_at),
    }


@router.get("/api/webhooks/deliveries", summary="Your webhook delivery log")
def deliveries(
    request: Request,
    caller: Caller,
    after: Annotated[str | None, Query()] = None,
    limit: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    """The caller's deliveries with id > `after`, oldest first: state pending/delivered/failed,
    attempts, last status code or error, next attempt, delivery time."""
    runtime: Runtime = request.app.state.runtime
    start, size = page_bounds(after, limit)
    entries = DeliveryLog(runtime.engine).for_enterprise(caller.code, start, size)
    return {
        "deliveries": [delivery_json(entry) for entry in entries],
        "next_cursor": entries[-1].id if entries else start,
    }

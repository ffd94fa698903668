"""`POST /ceb/messages`: one CEB business message, or a `DxpMsg` envelope carrying one."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from gateway.intake.answers import Answer, FormatAnswer, Problem, ReceiptAnswer
from gateway.intake.render import format_json, format_xml, problem_json, receipt_json, receipt_xml
from gateway.intake.service import Admitted, IntakeService
from gateway.openapi_examples import MESSAGE_EXAMPLES, RESPONSES
from gateway.routes.negotiation import preferred
from gateway.runtime import Runtime

PATH = "/ceb/messages"
XML_TYPES = ("application/xml", "text/xml")
ANSWER_TYPES = ("application/xml", "application/json", "text/xml")  # XML unless JSON is preferred
ACCEPT_TIMEOUT_S = 60.0
HEADER_PARAMETERS = [
    {"name": "Authorization", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "`Bearer <api key>` of the sending enterprise"},
    {"name": "Content-Type", "in": "header", "required": True,
     "schema": {"type": "string", "enum": ["application/xml", "text/xml"]}},
    {"name": "Accept", "in": "header", "required": False,
     "schema": {"type": "string", "enum": ["application/xml", "application/json"]},
     "description": "the receipt as XML (default) or JSON"},
]  # fmt: skip
router = APIRouter(tags=["messages"])


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` (checked before parsing, and while reading)."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def render(answer: Answer, runtime: Runtime, wants_json: bool) -> Response:
    runtime.metrics.observe_answer(answer)
    if isinstance(answer, Problem):
        return JSONResponse(problem_json(answer), status_code=answer.status_code, headers=answer.headers)
    if isinstance(answer, FormatAnswer):
        now = runtime.clock.now()
        if wants_json:
            return JSONResponse(format_json(answer, now), status_code=answer.status_code)
        return Response(format_xml(answer, now), status_code=answer.status_code, media_type="application/xml")
    assert isinstance(answer, ReceiptAnswer)
    if wants_json:
        return JSONResponse(receipt_json(answer), status_code=answer.status_code, headers=answer.headers)
    return Response(
        receipt_xml(answer),
        status_code=answer.status_code,
        media_type="application/xml",
        headers=answer.headers,
    )


@router.post(
    PATH,
    status_code=202,
    summary="Declare a CEB message (orders, payments, waybills, lists, …)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string"}, "examples": MESSAGE_EXAMPLES}},
        },
        "parameters": HEADER_PARAMETERS,
    },
    responses=RESPONSES,
)
async def post_message(request: Request) -> Response:
    """Validate, authorise and durably accept one CEB message; answer with the matching receipt.

    Sent as the body, `Content-Type: application/xml`, with `Authorization: Bearer <api key>`.
    202: accepted (returnStatus 2 per document, or 1 for drafts); 400: a CEB900 format receipt
    listing every violation; 401: unknown key; 403: role, own-code or signature rule broken
    (receipts with the negative code); 409: every document refused as a duplicate or stale
    version; 413: body too large; 415: not XML; 503: a dependency is down (`Retry-After`).
    """
    # served by `serve_message` (see there): this route gives the OpenAPI description and serves
    # whoever calls the FastAPI app's router directly
    return await answer_message(request.app.state.runtime, request)


async def serve_message(runtime: Runtime, scope: Scope, receive: Receive, send: Send) -> None:
    """`POST /ceb/messages` as plain ASGI, beside FastAPI rather than through it.

    FastAPI's middleware, routers and endpoint wrappers took about half of this route's time on
    the event loop (py-spy, 2026-11-28), for nothing this route uses: it reads its headers and
    body itself and answers with a ready Response. `GatewayApp` sends the route's requests here.
    """
    response = await answer_message(runtime, Request(scope, receive))
    await response(scope, receive, send)


async def answer_message(runtime: Runtime, request: Request) -> Response:
    # headers read directly: FastAPI's per-request parameter resolution cost ~0.3 ms here
    headers = request.headers
    content_type, authorization = headers.get("content-type"), headers.get("authorization")
    accept = headers.get("accept")
    wants_json = preferred(accept, ANSWER_TYPES) == "application/json"
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in XML_TYPES:
        problem = Problem(
            415, "content-type", f"Content-Type must be application/xml or text/xml, not {media!r}"
        )
        return render(problem, runtime, wants_json)
    body = await read_body(request, runtime.policy.max_body_bytes)
    if body is None:
        problem = Problem(413, "body-size", f"the body is larger than {runtime.policy.max_body_bytes} bytes")
        return render(problem, runtime, wants_json)
    api_key = authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else None
    answer = await submit(runtime.intake, body, api_key)
    return render(answer, runtime, wants_json)


# Checks that take long run in the thread pool: a signature (0.2 ms RSA, ~0.3-0.5 ms SM2 in Python), a
# DxpMsg (which may carry one) or a large message. The rest (~0.2 ms: parse, validate, decode,
# authorise) runs on the event loop: handing it to a thread costs more than it saves, and a
# pool of threads fighting for the GIL delays the one writer thread that every request waits on.
_SLOW_MARKERS = (b"SignatureValue", b"DxpMsg")
_INLINE_MAX_BYTES = 32 * 1024


async def submit(intake: IntakeService, body: bytes, api_key: str | None) -> Answer:
    slow = len(body) > _INLINE_MAX_BYTES or any(marker in body for marker in _SLOW_MARKERS)
    checked = await run_in_threadpool(intake.check, body, api_key) if slow else intake.check(body, api_key)
    if not isinstance(checked, Admitted):
        return checked
    accepted = intake.accept(checked)
    # asyncio.wait, not wait_for: a timeout must not cancel the acceptor's future (the batch may
    # still commit). `answer` reads the outcome off `accepted`; the wrapper's copy of a failure is
    # marked read, or asyncio would log "Future exception was never retrieved" for each request
    waiting = asyncio.wrap_future(accepted)
    waiting.add_done_callback(lambda done: done.cancelled() or done.exception())
    await asyncio.wait({waiting}, timeout=ACCEPT_TIMEOUT_S)
    if not accepted.done():
        return Problem(503, "dependency", "acceptance timed out", headers={"Retry-After": "1"})
    return intake.answer(checked, accepted)

"""`GET /ceb/receipts`: the calling enterprise's receipts, oldest first, resumable by cursor."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Annotated, Any
from xml.sax.saxutils import quoteattr

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from declarations.errors import RequestError
from declarations.store.receipts import MAX_PAGE, ReceiptPage, ReceiptStore, StoredReceipt
from gateway.auth import Caller
from gateway.routes.negotiation import preferred
from gateway.routes.paths import MAX_CURSOR, whole_number
from gateway.runtime import Runtime

DEFAULT_LIMIT = 100
MAX_WAIT_S = 30
XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")
FEED_TYPES = ("application/json", "application/xml", "text/xml")  # JSON unless XML is preferred
router = APIRouter(tags=["receipts"])


def wait_bound(wait: str | None) -> float:
    """`wait` in seconds, 0…MAX_WAIT_S (default 0: answer at once); RequestError naming the rule."""
    try:
        seconds = float(wait) if wait is not None else 0.0
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT_S:  # also refuses nan and inf
        raise RequestError(
            f"wait must be a number of seconds from 0 to {MAX_WAIT_S}, not {wait!r}", rule="receipts-wait"
        )
    return seconds


def page_bounds(after: str | None, limit: str | None, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
    """`after` a cursor ≥ 0 (default 0), `limit` 1…1000 (default 100); RequestError naming the rule."""
    cursor = 0 if after is None else whole_number(after, MAX_CURSOR)
    if cursor is None:
        raise RequestError(
            f"after must be a receipt cursor (an integer ≥ 0), not {after!r}", rule="receipts-cursor"
        )
    size = default_limit if limit is None else whole_number(limit, MAX_PAGE)
    if not size:
        raise RequestError(
            f"limit must be an integer from 1 to {MAX_PAGE}, not {limit!r}", rule="receipts-limit"
        )
    return cursor, size


def receipt_json(receipt: StoredReceipt) -> dict[str, Any]:
    return {
        "cursor": receipt.cursor,
        "message_type": receipt.message_type,
        "document_guid": receipt.document_guid,
        "business_key": receipt.business_key,
        "return_status": receipt.return_status,
        "return_time": receipt.return_time_text,
        "return_info": receipt.return_info,
        "xml": receipt.body.decode("utf-8"),
    }


def feed_xml(page: ReceiptPage) -> bytes:
    """`<receipts next="N">` wrapping `<receipt cursor=… messageType=…>` around each receipt message."""
    out = [
        b'<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<receipts next="{page.next_cursor}" count="{len(page.receipts)}">'.encode(),
    ]
    for receipt in page.receipts:
        cursor, message_type = quoteattr(str(receipt.cursor)), quoteattr(receipt.message_type)
        out.append(f"<receipt cursor={cursor} messageType={message_type}>".encode())
        out.append(XML_DECLARATION.sub(b"", receipt.body))
        out.append(b"</receipt>")
    out.append(b"</receipts>")
    return b"".join(out)


@router.get("/ceb/receipts", summary="Read your receipts, oldest first, from a cursor")
async def get_receipts(
    request: Request,
    caller: Caller,
    *,
    after: Annotated[
        str | None, Query(description="the last cursor you have read (0 = from the start)")
    ] = None,
    limit: Annotated[
        str | None, Query(description=f"receipts per page, 1–{MAX_PAGE} (default {DEFAULT_LIMIT})")
    ] = None,
    wait: Annotated[
        str | None,
        Query(description=f"long poll: when nothing is new, wait up to this many seconds (0–{MAX_WAIT_S})"),
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The calling enterprise's receipts with cursor > `after`, oldest first.

    JSON `{"receipts": [{cursor, message_type, document_guid, business_key, return_status,
    return_time (YYYYMMDDhhmmssSSS, China time), return_info, xml}], "next_cursor": N}`; with
    `Accept: application/xml` a `<receipts next="N">` feed of `<receipt cursor="…">` elements, each
    holding the receipt message. Resume with `after=next_cursor` (also in `X-Next-Cursor` and a
    `Link: rel="next"` header). With `wait=S` (long polling) an empty page is not answered at once:
    the answer comes as soon as a receipt for you is stored, or after S seconds with an empty page,
    so a client can loop on `wait=20` instead of polling. 400 names the broken rule; 401 for a
    missing or unknown key.
    """
    runtime: Runtime = request.app.state.runtime
    start, size = page_bounds(after, limit)
    wait_s = wait_bound(wait)
    store = ReceiptStore()
    page = await run_in_threadpool(store.page, runtime.engine, caller.code, start, size)
    if not page.receipts and wait_s > 0:
        page = await _long_poll(request, caller.code, start=start, size=size, wait_s=wait_s)
    headers = {
        "X-Next-Cursor": str(page.next_cursor),
        "Link": f'</ceb/receipts?after={page.next_cursor}&limit={size}>; rel="next"',
    }
    if preferred(accept, FEED_TYPES) != "application/json":
        return Response(feed_xml(page), media_type="application/xml", headers=headers)
    body = {"receipts": [receipt_json(r) for r in page.receipts], "next_cursor": page.next_cursor}
    return JSONResponse(body, headers=headers)


async def _long_poll(request: Request, code: str, *, start: int, size: int, wait_s: float) -> ReceiptPage:
    """Read again whenever the watch says `code` may have receipts, until some are in or time is up.

    The wait goes in slices of at most a second, so a reader that hung up, or a server shutting
    down, ends it promptly.
    """
    runtime: Runtime = request.app.state.runtime
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    watch = runtime.receipt_watch
    await run_in_threadpool(watch.prime)
    with watch.waiting(code) as woken:
        while True:
            woken.clear()
            page = await run_in_threadpool(ReceiptStore().page, runtime.engine, code, start, size)
            left = deadline - loop.time()
            if page.receipts or left <= 0 or watch.stopped or await request.is_disconnected():
                return page
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), min(left, 1.0))

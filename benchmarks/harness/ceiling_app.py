"""The intake's ceilings: what one uvicorn process answers per second when the app does (almost) nothing.

The intake benchmark sends the same messages with the same client to these apps, served as
`cebsim serve` serves (uvicorn, httptools, uvloop, no access log, one process). Their rates bound
what any gateway on this stack and this machine could reach, so they say how much of the distance
to a target is the application and how much is the stack. `CEBSIM_CEILING` picks the app:

- `asgi`: a bare ASGI callable that reads the body and answers 202 with a constant receipt;
- `fastapi`: the same as a FastAPI route, the framework the gateway is built on;
- `validate`: that route, also parsing and validating the body (`schemas.loader.validate`), the
  first thing the gateway does with a message and the work the ratios divide by.

Run with `uvicorn benchmarks.harness.ceiling_app:app_from_environment --factory`.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request, Response

from schemas.loader import validate

KINDS = ("asgi", "fastapi", "validate")
# a constant answer the size of the gateway's one-document 202 receipt (~0.9 KB)
ANSWER = b"<?xml version='1.0' encoding='UTF-8'?>\n<ceb:CEB312Message>" + b" " * 800 + b"</ceb:CEB312Message>"
XML_HEADERS = [(b"content-type", b"application/xml"), (b"content-length", str(len(ANSWER)).encode())]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def bare_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body, answers 202 (and 200 to /healthz); lifespan events are acknowledged."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    status = 200 if scope["path"] == "/healthz" else 202
    await send({"type": "http.response.start", "status": status, "headers": XML_HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})


def fastapi_app(*, validating: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/ceb/messages")
    async def messages(request: Request) -> Response:
        body = await request.body()
        if validating and not validate(body).valid:
            return Response(ANSWER, status_code=400, media_type="application/xml")
        return Response(ANSWER, status_code=202, media_type="application/xml")

    return app


def app_from_environment() -> Callable[..., Awaitable[None]]:
    kind = os.environ.get("CEBSIM_CEILING", "asgi")
    if kind not in KINDS:
        raise SystemExit(f"CEBSIM_CEILING={kind!r}: expected one of {', '.join(KINDS)}")
    return bare_asgi if kind == "asgi" else fastapi_app(validating=kind == "validate")

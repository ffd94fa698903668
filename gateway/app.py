"""The FastAPI application: built by `create_app(settings)`, never at import time."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from declarations.errors import DependencyError
from declarations.store.engine import check_reachable
from gateway import logs, problems
from gateway.heap import freeze_startup_heap
from gateway.routes import certificates, documents, keys, messages, receipts, webhooks
from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings

log = logging.getLogger("cebsim.access")

DESCRIPTION = """
cebsim plays China Customs' side of the cross-border e-commerce unified system (跨境电子商务统一版系统)
for the enterprises that integrate with it: platforms, e-commerce enterprises, payment and logistics firms.

Send CEB messages of the 202205 edition to `POST /ceb/messages` with `Authorization: Bearer <api key>`;
read the receipts the pipeline produces with `GET /ceb/receipts`.
"""


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.stop()

    app = GatewayApp(title="cebsim", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.runtime = runtime
    app.include_router(messages.router)
    app.include_router(receipts.router)
    app.include_router(documents.router)
    app.include_router(webhooks.router)
    app.include_router(keys.router)
    app.include_router(certificates.router)
    problems.install(app)
    app.add_middleware(ObserveMiddleware, runtime=runtime)
    _operations(app, runtime)
    app.serve_messages_beside(runtime)
    _document_errors_as_answered(app)
    return app


ERROR_ANSWER = {
    "description": "A bad request, answered in this API's error shape, naming the rule it broke",
    "content": {
        "application/json": {
            "example": {"error": {"status": 400, "rule": "receipts-cursor", "code": "",
                                  "message": "after must be a receipt cursor (an integer ≥ 0), not 'x'"}}
        }
    },
}  # fmt: skip


def _document_errors_as_answered(app: FastAPI) -> None:
    """FastAPI documents a 422 with its validation errors on every route with parameters, but the
    routes read their parameters themselves and answer 400 `{"error": {status, rule, code,
    message}}` (`gateway.problems`): the schema says so instead."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", ERROR_ANSWER)
        for unused in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(unused, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_environment() -> FastAPI:
    """The app of one `cebsim serve --workers N` process: its settings come from the CEBSIM_*
    variables the parent set, and it builds its own runtime (producer, pool, acceptor)."""
    logs.configure()
    app = create_app(Settings())
    freeze_startup_heap()
    return app


class GatewayApp(FastAPI):
    """FastAPI, but `POST /ceb/messages`, the intake's hot path, goes straight to its ASGI handler
    (`messages.serve_message`), observed as every other route is (`ObserveMiddleware`)."""

    _messages: ASGIApp | None = None

    def serve_messages_beside(self, runtime: Runtime) -> None:
        route = next(r for r in messages.router.routes if getattr(r, "path", None) == messages.PATH)

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            scope["app"], scope["route"] = self, route
            with contextlib.suppress(ClientDisconnect):  # nothing is accepted before the body is whole
                await messages.serve_message(runtime, scope, receive, send)

        self._messages = ObserveMiddleware(ServerErrorMiddleware(serve), runtime)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self._messages is not None
            and scope["type"] == "http"
            and scope["path"] == messages.PATH
            and scope["method"] == "POST"
        ):
            await self._messages(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class ObserveMiddleware:
    """Request metrics and an access log line, as plain ASGI (Starlette's BaseHTTPMiddleware costs
    about a fifth of a request's time on the intake path)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self._app = app
        self._runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, observed)
        finally:
            elapsed = time.perf_counter() - started
            path = getattr(scope.get("route"), "path", "unmatched")
            self._runtime.metrics.requests.labels(path, str(status)).inc()
            self._runtime.metrics.latency.labels(path).observe(elapsed)
            # never the body, never the key: method, route, status and time only
            method, ms = scope.get("method"), round(elapsed * 1000, 1)
            fields = {"method": method, "route": path, "status": status, "ms": ms}
            log.info("%s %s %d %.1fms", method, path, status, ms, extra=fields)


def _operations(app: FastAPI, runtime: Runtime) -> None:
    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], response_model=None)
    def readyz() -> dict[str, Any] | JSONResponse:
        """The dependencies answer: the database and the bus."""
        try:
            check_reachable(runtime.engine)
            runtime.bus.create_topics({})
        except DependencyError as exc:
            body = {"status": "unavailable", "reason": str(exc)}
            return JSONResponse(body, status_code=503, headers={"Retry-After": str(exc.retry_after_s)})
        return {"status": "ready", "database": "ok", "bus": runtime.settings.bus}

    @app.get("/metrics", tags=["operations"], include_in_schema=True)
    def metrics() -> Response:
        """Prometheus metrics: requests, rejections by code, accepted documents, latency histogram,
        and each clearance stage's consumer lag on the bus (`cebsim_bus_lag_records{group,topic}`)."""
        return Response(runtime.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

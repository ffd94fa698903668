"""The FastAPI application: built by `create_app(settings)`, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from gateway.settings import Settings

DESCRIPTION = """
cebsim plays China Customs' side of the cross-border e-commerce unified system (跨境电子商务统一版系统)
for the enterprises that integrate with it: platforms, e-commerce enterprises, payment and logistics firms.
"""


def create_app(settings: Settings) -> FastAPI:
    engine = sa.create_engine(settings.db, pool_pre_ping=True)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="cebsim", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], response_model=None)
    def readyz() -> dict[str, Any] | JSONResponse:
        """The dependencies answer: the database (and the bus, once the pipeline is wired in)."""
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            body = {"status": "unavailable", "database": type(exc).__name__}
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
        return {"status": "ready", "database": "ok", "bus": settings.bus}

    return app

"""`Authorization: Bearer <api key>` → the calling `Enterprise`, as a FastAPI dependency; 401 otherwise."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from declarations.identity import Enterprise
from gateway.problems import ApiProblem
from gateway.runtime import Runtime

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cebsim"'}
MESSAGE = "a registered API key is required: Authorization: Bearer <api key>"


def bearer_key(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def current_enterprise(request: Request, authorization: Annotated[str | None, Header()] = None) -> Enterprise:
    """The enterprise the API key names (a sync dependency: FastAPI runs it off the event loop)."""
    runtime: Runtime = request.app.state.runtime
    api_key = bearer_key(authorization)
    enterprise = runtime.keys.get(api_key) if api_key else None
    if enterprise is None:
        raise ApiProblem(401, "api-key", MESSAGE, CHALLENGE)
    return enterprise


Caller = Annotated[Enterprise, Depends(current_enterprise)]

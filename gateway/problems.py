"""The query routes' errors as HTTP, in one table: `{"error": {status, rule, code, message}}`.

ApiProblem              its own status (401 unknown key, 404 not visible, ...)
ConflictError           409, naming the rule (a webhook already registered, a limit reached)
RequestError            400, naming the rule that was broken
DependencyError         503 with Retry-After
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from declarations.errors import ConflictError, DependencyError, RequestError


class ApiProblem(Exception):  # noqa: N818 - an HTTP answer, not a project error
    def __init__(self, status: int, rule: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.rule = rule
        self.message = message
        self.headers = headers or {}


def problem(
    status: int, rule: str, message: str, code: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"status": status, "rule": rule, "code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def api_problem(_: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.rule, exc.message, headers=exc.headers)

    @app.exception_handler(ConflictError)  # before RequestError: handlers are looked up by class
    async def conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return problem(409, exc.rule, exc.message, exc.code)

    @app.exception_handler(RequestError)
    async def request_error(_: Request, exc: RequestError) -> JSONResponse:
        return problem(400, exc.rule, exc.message, exc.code)

    @app.exception_handler(DependencyError)
    async def dependency_error(_: Request, exc: DependencyError) -> JSONResponse:
        return problem(503, "dependency", str(exc), headers={"Retry-After": str(exc.retry_after_s)})

"""One function maps the error tree to HTTP, as problem+json (RFC 9457)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jifen.domain import errors

PROBLEM = "application/problem+json"

STATUS: tuple[tuple[type[errors.JifenError], int], ...] = (
    (errors.InvalidRequest, 400),
    (errors.InvalidInput, 422),
    (errors.Unauthenticated, 401),
    (errors.PermissionDenied, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.RuleViolation, 422),
)

TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Unprocessable request",
    500: "Internal error",
}


def status_of(exc: errors.JifenError) -> int:
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 500)


def problem(
    status: int,
    code: str,
    detail: str,
    params: dict[str, Any] | None = None,
) -> JSONResponse:
    body = {
        "type": f"urn:jifen:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        "params": params or {},
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.JifenError)
    async def _jifen(_: Request, exc: errors.JifenError) -> JSONResponse:
        return problem(status_of(exc), exc.code, exc.detail, _jsonable(exc.params))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        issues = [
            {"field": ".".join(str(p) for p in e["loc"][1:]) or e["loc"][0], "message": e["msg"]}
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            return problem(
                400, "malformed_json", "the request body is not valid JSON", {"errors": issues}
            )
        # FastAPI refuses a write without the header before the service can say why
        if any(tuple(e["loc"]) == ("header", "Idempotency-Key") for e in exc.errors()):
            return problem(
                400, "idempotency_key_required", "an Idempotency-Key is required for every write"
            )
        first = issues[0]
        return problem(
            422, "invalid_input", f"{first['field']}: {first['message']}", {"errors": issues}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, str(exc.detail))


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool | list | None) else str(v)
        for k, v in params.items()
    }

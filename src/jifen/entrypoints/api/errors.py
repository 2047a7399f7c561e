"""One function maps the error tree to HTTP, as problem+json (RFC 9457).

Each family of :mod:`jifen.domain.errors` has one status; the codes that only HTTP
knows (a method the route lacks, a body too large) are listed in ``HTTP_ONLY``. The
table of every code in ``docs/api.md`` is made from both (:mod:`.codes`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jifen.domain import errors
from jifen.domain.error_codes import Family, RequestCode

PROBLEM = "application/problem+json"

STATUS: dict[Family, int] = {
    Family.INVALID_REQUEST: 400,
    Family.INVALID_INPUT: 422,
    Family.UNAUTHENTICATED: 401,
    Family.PERMISSION_DENIED: 403,
    Family.NOT_FOUND: 404,
    Family.CONFLICT: 409,
    Family.RULE_VIOLATION: 422,
    Family.LEDGER_INCONSISTENT: 409,
    Family.UNAVAILABLE: 503,
}

#: Seconds a client is asked to wait (``Retry-After``) when the database is unreachable
RETRY_AFTER_SECONDS = 5

#: (code, status, meaning) of the answers no service raises: the HTTP layer's own
HTTP_ONLY: tuple[tuple[str, int, str], ...] = (
    ("method_not_allowed", 405, "the route does not take this method"),
    ("payload_too_large", 413, "the body exceeds `JIFEN_MAX_BODY_BYTES` (64 KiB by default)"),
    ("http_error", 400, "any other refusal of the HTTP layer: its status is HTTP's own (4xx)"),
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
    503: "Service unavailable",
    500: "Internal error",
}


def status_of(exc: errors.JifenError | errors.Unavailable) -> int:
    return STATUS[exc.family]


def problem(
    status: int,
    code: str,
    detail: str,
    params: dict[str, Any] | None = None,
    *,
    close: bool = False,
) -> JSONResponse:
    """A problem+json answer; ``close`` when the request's body was left unread."""
    body = {
        "type": f"urn:jifen:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        "params": params or {},
    }
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if close:
        headers["Connection"] = "close"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def problem_of(exc: errors.JifenError | errors.Unavailable, *, close: bool = False) -> JSONResponse:
    return problem(status_of(exc), exc.code, exc.detail, _jsonable(exc.params), close=close)


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.JifenError)
    async def _jifen(_: Request, exc: errors.JifenError) -> JSONResponse:
        return problem_of(exc)

    @app.exception_handler(errors.Unavailable)
    async def _unavailable(_: Request, exc: errors.Unavailable) -> JSONResponse:
        return problem_of(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: RequestCode.NOT_FOUND, 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        return problem(exc.status_code, code, str(exc.detail))


def invalid_problem(exc: RequestValidationError) -> JSONResponse:
    """What FastAPI's validation refused, as problem+json."""
    issues = [
        {"field": ".".join(str(p) for p in e["loc"][1:]) or e["loc"][0], "message": e["msg"]}
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in exc.errors()):
        return problem(
            400,
            RequestCode.MALFORMED_JSON,
            "the request body is not valid JSON",
            {"errors": issues},
        )
    # FastAPI refuses a write without the header before the service can say why
    if any(tuple(e["loc"]) == ("header", "Idempotency-Key") for e in exc.errors()):
        return problem(
            400,
            RequestCode.IDEMPOTENCY_KEY_REQUIRED,
            "an Idempotency-Key is required for every write",
        )
    first = issues[0]
    return problem(
        422,
        RequestCode.INVALID_INPUT,
        f"{first['field']}: {first['message']}",
        {"errors": issues},
    )


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool | list | None) else str(v)
        for k, v in params.items()
    }

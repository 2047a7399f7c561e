"""The OpenAPI document tells the truth: its security schemes and every status it answers.

FastAPI knows only what a route declares (its success and 422); the rest is said by the
layers in front of the routes, the same for every operation under ``/v1/``: the gate (401),
the scopes (403), the bounds at the edge (400, 413, 422), the error tree (404, 409, 422)
and an outage (503). They are added here, once, to every operation of the document,
including those added later, so a generated client and a contract tester see them all.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from jifen.entrypoints.api.errors import PROBLEM, RETRY_AFTER_SECONDS
from jifen.entrypoints.api.gate import GUARDED

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; act on `code` (see docs/api.md)",
    "required": ["type", "title", "status", "code", "detail", "params"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:jifen:problem:member_not_found"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "examples": ["member_not_found"]},
        "detail": {"type": "string"},
        "params": {"type": "object", "additionalProperties": True},
    },
}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <api key>` (`jifen apikey create`)",
    },
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
}

#: status -> when an operation under /v1/ answers it
GUARDED_ANSWERS: dict[str, str] = {
    "400": "The request cannot be read: malformed JSON, nested too deep, no Idempotency-Key",
    "401": "No API key, or an unknown or revoked one (answered before the body is read)",
    "403": "The key lacks the scope this operation needs",
    "404": "Nothing at this address: no such member, hold, reward...",
    "413": "The body exceeds the size limit",
    "422": "A value is missing, wrong or out of range, or a business rule refuses",
    "503": "The database cannot be reached: retry after `Retry-After` seconds",
}
WRITE_ANSWERS = {"409": "A clash: the Idempotency-Key was used for another request, or a race"}
WRITES = frozenset({"post", "put", "patch", "delete"})


def install(app: FastAPI) -> None:
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = completed(schema)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def completed(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with security and the edge's answers on every guarded operation (and an
    outage's on every one)."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    components.setdefault("headers", {})["Retry-After"] = {
        "description": f"seconds to wait before retrying ({RETRY_AFTER_SECONDS})",
        "schema": {"type": "integer"},
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            answers = {"503": GUARDED_ANSWERS["503"]}
            if path.startswith(GUARDED):
                operation["security"] = [{"bearer": []}, {"apiKey": []}]
                answers = GUARDED_ANSWERS | (WRITE_ANSWERS if method in WRITES else {})
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                responses[status] = _problem(description, retry=status == "503")
    return schema


def _problem(description: str, *, retry: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if retry:
        answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    return answer

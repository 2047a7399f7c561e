"""No 500s: every operation of the OpenAPI document, sent hostile values, answers a 4xx.

In-process on SQLite and PostgreSQL, with the fresh-market programme and a member who has
points, a hold and an entry, so ids in range reach the services. The operations are read
from the document itself: one added later (API keys, exports, erasure) is swept too.

Hostile values: ids of 2^63 and beyond in every path parameter, cursors such as
``99999999999999999999`` or ``²``, NUL characters in every string, 10^15 in every integer,
naive and out-of-range instants, dates the database cannot hold, bodies nested 40 deep.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.services import members
from jifen.services.access import apikeys
from jifen.services.ledger import holds
from jifen.services.ledger.commands import PlaceHold
from tests.earning_fixtures import publish
from tests.factories import key, make_member

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"
DEEP = 40

PATH_VALUES: tuple[str, ...] = (
    str(2**63),
    str(2**64),
    "99999999999999999999",
    "-9223372036854775809",
    "²",
    "1e400",
    "\x00",
    "C-1\x00",
    "x" * 2000,
)
QUERY_VALUES: tuple[object, ...] = (
    "99999999999999999999",
    str(2**63),
    "²",
    "-1",
    "\x00",
    "0",
)
INSTANTS: tuple[str, ...] = (
    "2026-03-02T00:00:00",  # naive
    "9999-12-31T23:59:59-14:00",  # beyond year 9999 in UTC
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+00:00",
    "1969-12-31T23:59:59+00:00",
)
DAYS: tuple[str, ...] = ("9999-12-31", "0001-01-01", "0001-01-01T00:00:00")
INTEGERS: tuple[object, ...] = (10**15, 2**63, 2**64, -(2**63) - 1, 10**30)
NUMBERS: tuple[object, ...] = ("9" * 40, "1e400", 1e308, "-1e400", 9_999_999_999_999.99)


def deep(level: int = DEEP) -> Any:
    value: Any = "x"
    for i in range(level):
        value = [value] if i % 2 else {"a": value}
    return value


@dataclass
class Sweep:
    http: TestClient
    auth: dict[str, str]
    spec: dict[str, Any]
    ids: dict[str, str]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.spec["components"]["schemas"][name]
        if "anyOf" in schema:
            picked = next((s for s in schema["anyOf"] if s.get("type") != "null"), {})
            return {**self.resolve(picked), **{k: v for k, v in schema.items() if k != "anyOf"}}
        return schema

    def plausible(self, schema: dict[str, Any], depth: int = 0) -> Any:
        """A value that a schema likely accepts, to carry one hostile field at a time."""
        schema = self.resolve(schema)
        if schema.get("examples"):
            return schema["examples"][0]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            if depth > 4:
                return {}
            extra = schema.get("additionalProperties")
            if not props and isinstance(extra, dict) and schema.get("minProperties"):
                return {"en": self.plausible(extra, depth + 1)}
            return {
                name: self.plausible(sub, depth + 1)
                for name, sub in props.items()
                if name in schema.get("required", [])
            }
        if kind == "array":
            return [self.plausible(schema.get("items", {}), depth + 1)] if depth < 4 else []
        if kind == "integer":
            return max(1, schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
        if kind == "number":
            return 1
        if kind == "boolean":
            return False
        if schema.get("format") == "date-time":
            return "2026-03-01T04:00:00+00:00"
        if schema.get("format") == "date":
            return "2000-01-01"
        return "x"

    def hostile(self, schema: dict[str, Any]) -> tuple[object, ...]:
        schema = self.resolve(schema)
        kind = schema.get("type")
        found: tuple[object, ...] = ("a\x00b", deep())
        if schema.get("format") == "date-time":
            found += INSTANTS
        elif schema.get("format") == "date":
            found += DAYS
        elif kind == "integer":
            found += INTEGERS
        elif kind == "number" or "pattern" in schema:
            found += NUMBERS + INTEGERS
        elif kind == "object":
            found += ({"k\x00": "v"}, {"k": "v\x00"})
        else:
            found += ("9" * 40,)
        return found

    def variants(self, schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        """The plausible body with one field made hostile at a time (nested too)."""
        base = self.plausible(schema)
        yield "deep body", deep()
        yield "deep body text", "[" * 5000 + "]" * 5000
        for path, sub in self.fields(self.resolve(schema), ()):
            for value in self.hostile(sub):
                body = copy.deepcopy(base)
                if not isinstance(body, dict):
                    continue
                target = body
                for part in path[:-1]:
                    nested = self.plausible(
                        self.resolve(schema)["properties"][part] if len(path) == 2 else {}
                    )
                    target = target.setdefault(part, nested if isinstance(nested, dict) else {})
                    if not isinstance(target, dict):
                        break
                else:
                    target[path[-1]] = value
                    yield ".".join(path), body

    def fields(
        self, schema: dict[str, Any], at: tuple[str, ...]
    ) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
        for name, sub in schema.get("properties", {}).items():
            resolved = self.resolve(sub)
            yield (*at, name), resolved
            if len(at) < 1 and resolved.get("properties"):
                yield from self.fields(resolved, (*at, name))


@pytest.fixture
def sweep(jf: Jifen) -> Iterator[Sweep]:
    program: Program = publish(jf)
    make_member(jf, program, "C-1", points=1000)
    hold = holds.place_hold(jf.uow(), jf.clock, program, PlaceHold("C-1", 10), key("hold"))
    page = members.history(jf.uow(write=False), program, "C-1", None, 10)
    secret = apikeys.create_key(jf.uow(), jf.clock, program, "sweep", ["admin"], "test")
    ids = {"external_id": "C-1", "hold_id": str(hold.hold_id), "entry_id": str(page.items[0].id)}
    with TestClient(create_app(jf), raise_server_exceptions=False) as http:
        yield Sweep(http, {"Authorization": f"Bearer {secret}"}, http.app.openapi(), ids)  # type: ignore[attr-defined]


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def answered(r: Any, what: str, failures: list[str]) -> None:
    """A 4xx is problem+json; a 5xx is a failure, noted to be listed with the others."""
    if r.status_code >= 500:
        failures.append(f"{what}: {r.status_code} {r.text[:200]}")
    elif r.status_code >= 400 and not r.headers["content-type"].startswith(PROBLEM):
        failures.append(f"{what}: {r.status_code} as {r.headers['content-type']}")


def test_no_operation_answers_a_5xx_to_hostile_values(sweep: Sweep) -> None:
    sent = 0
    failures: list[str] = []
    for method, path, op in operations(sweep.spec):
        params = op.get("parameters", [])
        in_path = [p["name"] for p in params if p["in"] == "path"]
        in_query = [p["name"] for p in params if p["in"] == "query"]
        plain = path
        for name in in_path:
            plain = plain.replace("{" + name + "}", sweep.ids.get(name, "1"))
        headers = {**sweep.auth, "Idempotency-Key": key("sweep")}
        body_schema = (
            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        body = sweep.plausible(body_schema) if body_schema else None
        # hostile path parameters
        for name in in_path:
            for value in PATH_VALUES:
                url = path.replace("{" + name + "}", quote(value, safe=""))
                for other in in_path:
                    url = url.replace("{" + other + "}", sweep.ids.get(other, "1"))
                r = sweep.http.request(method, url, headers=headers, json=body)
                answered(r, f"{method} {path} {name}={value!r}", failures)
                sent += 1
        # hostile query parameters
        for name in in_query:
            for value in QUERY_VALUES:
                r = sweep.http.request(
                    method, plain, params={name: value}, headers=headers, json=body
                )
                answered(r, f"{method} {path} ?{name}={value!r}", failures)
                sent += 1
        # hostile bodies, one field at a time
        if body_schema:
            for field, hostile in sweep.variants(body_schema):
                raw = hostile if isinstance(hostile, str) else json.dumps(hostile)
                r = sweep.http.request(
                    method,
                    plain,
                    content=raw,
                    headers={
                        **headers,
                        "Content-Type": "application/json",
                        "Idempotency-Key": key("sweep"),
                    },
                )
                answered(r, f"{method} {path} {field}={hostile!r:.80}", failures)
                sent += 1
    assert not failures, "\n".join(failures)
    assert sent > 500


def test_every_guarded_operation_without_a_key_is_a_401(sweep: Sweep) -> None:
    for method, path, _ in operations(sweep.spec):
        if not path.startswith("/v1/"):
            continue
        url = path
        for name, value in sweep.ids.items():
            url = url.replace("{" + name + "}", value)
        url = url.replace("{", "").replace("}", "")
        r = sweep.http.request(method, url, content=b"junk")
        assert r.status_code == 401, (method, path, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)

"""The edge: auth before body, bounds before parsing, security headers on every answer, and
an OpenAPI document that says all of it. In-process, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.config import Settings
from jifen.domain.errors import Unavailable
from jifen.domain.programs import Program
from jifen.entrypoints import web
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.cli import server
from jifen.services import access
from jifen.services.access import apikeys
from tests.earning_fixtures import count
from tests.factories import key, make_member, make_program

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"
TEMPLATES = Path(web.__file__).parent


@dataclass
class Edge:
    jf: Jifen
    app: FastAPI
    http: TestClient
    auth: dict[str, str]

    def post(self, path: str, **kw: Any) -> Any:
        headers = {**self.auth, "Idempotency-Key": key("edge"), **kw.pop("headers", {})}
        return self.http.post(path, headers=headers, **kw)


@pytest.fixture
def edge(jf: Jifen) -> Iterator[Edge]:
    program: Program = make_program(jf)
    make_member(jf, program, "C-1", points=100)
    secret = apikeys.create_key(jf.uow(), jf.clock, program, "edge", ["admin"], "test")
    app = create_app(jf)
    with TestClient(app, raise_server_exceptions=False) as http:
        yield Edge(jf, app, http, {"Authorization": f"Bearer {secret}"})


def problem_of(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


# --- auth before body -------------------------------------------------------------


def asgi_call(app: FastAPI, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """(status, how many times the app asked for the body) for a POST with a 10 MB body."""
    reads = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * (10 * 1024 * 1024), "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/members/C-1/adjustments",
        "raw_path": b"/v1/members/C-1/adjustments",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "app": app,
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return status, reads


def test_a_request_without_a_valid_key_is_refused_before_its_body_is_read(edge: Edge) -> None:
    for headers in (
        [],
        [(b"authorization", b"Bearer jf_not-a-key")],
        [(b"x-api-key", b"jf_not-a-key")],
        [(b"authorization", b"Basic dXNlcjpwYXNz")],
    ):
        assert asgi_call(edge.app, headers) == (401, 0), headers
    # with the key, the body is read (and found too large)
    secret = edge.auth["Authorization"].encode()
    assert asgi_call(edge.app, [(b"authorization", secret)]) == (413, 1)


def test_ten_megabytes_of_junk_without_a_key_is_a_quick_401(edge: Edge) -> None:
    started = time.monotonic()
    r = edge.http.post(
        "/v1/members/C-1/adjustments",
        content=b"\xff" * (10 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    body = problem_of(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"
    assert body["detail"]
    assert time.monotonic() - started < 5


def test_the_gate_leaves_pages_and_health_open(edge: Edge) -> None:
    assert edge.http.get("/healthz").status_code == 200
    assert edge.http.get("/portal/sign-in").status_code == 200
    assert edge.http.get("/openapi.json").status_code == 200


# --- bounds before parsing --------------------------------------------------------


def test_json_nested_deeper_than_32_is_a_400_json_too_deep(edge: Edge) -> None:
    deep = b'{"points": 1, "reason": "x", "expires_at": ' + b"[" * 40 + b"]" * 40 + b"}"
    for raw in (deep, b"[" * 30_000 + b"]" * 30_000):
        r = edge.post(
            "/v1/members/C-1/adjustments",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
        body = problem_of(r, 400, "json_too_deep")
        assert body["params"] == {"max_depth": 32}
    # brackets inside strings do not count
    r = edge.post("/v1/members/C-1/adjustments", json={"points": 1, "reason": "[" * 100})
    assert r.status_code == 201, r.text


def test_32_levels_are_still_read(edge: Edge) -> None:
    attributes: Any = "x"
    for _ in range(31):
        attributes = {"a": attributes}
    r = edge.post("/v1/members", json={"external_id": "C-2", "attributes": attributes})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("send", "field"),
    [
        (lambda e: e.post("/v1/members", json={"external_id": "C-\x00"}), "external_id"),
        (
            lambda e: e.post(
                "/v1/members", json={"external_id": "C-3", "attributes": {"k": "\x00"}}
            ),
            "attributes.k",
        ),
        (
            lambda e: e.post("/v1/members", json={"external_id": "C-3", "attributes": {"\x00": 1}}),
            "attributes.\\u0000",
        ),
        (
            lambda e: e.post("/v1/members/C-1/adjustments", json={"points": 1, "reason": "a\x00"}),
            "reason",
        ),
        (lambda e: e.http.get("/v1/members/C-1%00", headers=e.auth), "url"),
        (lambda e: e.http.get("/v1/members/C-1/entries?cursor=%00", headers=e.auth), "url"),
    ],
)
def test_a_nul_character_anywhere_is_a_422_nul_character_on_both_databases(
    edge: Edge, send: Any, field: str
) -> None:
    body = problem_of(send(edge), 422, "nul_character")
    assert body["params"] == {"field": field}


ORDER = (
    '{"order_id": "s-1", "member": "C-1", "paid": "10.00", "lines": '
    '[{"sku": "a", "quantity": 1, "unit_price": "10.00", "tags": [%s]}], "attributes": {%s}}'
)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/orders", ORDER % ('"\\ud800"', ""), "lines.0.tags.0"),
        ("/v1/orders", ORDER % ("", '"k": "x\\uDFFFy"'), "attributes.k"),
        ("/v1/orders", ORDER % ("", '"\\udbff": 1'), "attributes.\\udbff"),
        (
            "/v1/members",
            '{"external_id": "C-3", "attributes": {"k": ["\\ud83d"]}}',
            "attributes.k.0",
        ),
        # as raw bytes, not UTF-8, but Python's JSON parser decodes them with surrogatepass
        (
            "/v1/orders",
            (ORDER % ("", '"k": "-"')).encode().replace(b'"-"', b'"\xed\xa0\x80"'),
            "attributes.k",
        ),
        # a NUL beside one: said too, the field's name escaped
        (
            "/v1/members",
            '{"external_id": "C-3", "attributes": {"\\ud800": "\\u0000"}}',
            "attributes.\\ud800",
        ),
    ],
)
def test_half_a_surrogate_pair_is_a_422_lone_surrogate_on_both_databases(
    edge: Edge, path: str, body: str | bytes, field: str
) -> None:
    """JSON's escapes can spell a lone surrogate; it is no text, and PostgreSQL cannot
    store it (the order's tags and attributes were a 500 there)."""
    r = edge.post(path, content=body, headers={"content-type": "application/json"})
    code = "nul_character" if "u0000" in str(body) else "lone_surrogate"
    assert problem_of(r, 422, code)["params"] == {"field": field}
    assert count(edge.jf, "orders") == 0
    # a whole pair is one character, and welcome
    whole = edge.post(
        "/v1/members",
        content='{"external_id": "C-4", "attributes": {"k": "\\ud83d\\ude00"}}',
        headers={"content-type": "application/json"},
    )
    assert whole.status_code == 201, whole.text
    assert whole.json()["attributes"] == {"k": "\U0001f600"}


def test_the_first_content_type_is_the_one_the_bounds_read(edge: Edge) -> None:
    """A request with two Content-Types is parsed as its first says (as Starlette reads
    it): the bounds read that one too, not the last."""
    body = '{"external_id": "C-3", "attributes": {"k": "a\\u0000b"}}'
    headers = [
        *edge.auth.items(),
        ("Idempotency-Key", key("edge")),
        ("content-type", "application/json"),
        ("content-type", "text/plain"),
    ]
    problem_of(edge.http.post("/v1/members", content=body, headers=headers), 422, "nul_character")


def test_a_nul_character_in_a_web_form_is_a_422_page_in_the_visitors_language(
    edge: Edge,
) -> None:
    r = edge.http.post(
        "/portal/sign-in", data={"contact": "a\x00"}, headers={"Accept-Language": "zh-CN"}
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert 'data-code="nul_character"' in r.text and "无法保存的字符" in r.text


def test_the_escaped_text_backslash_u0000_is_not_a_nul(edge: Edge) -> None:
    r = edge.post("/v1/members/C-1/adjustments", json={"points": 1, "reason": "\\u0000"})
    assert r.status_code == 201, r.text


# --- security headers -------------------------------------------------------------


def test_every_answer_carries_the_security_headers(edge: Edge) -> None:
    answers = [
        edge.http.get("/portal/sign-in"),
        edge.http.get("/console/sign-in"),
        edge.http.get("/static/jifen.css"),
        edge.http.get("/healthz"),
        edge.http.get("/v1/members/C-1", headers=edge.auth),  # 200
        edge.http.get("/v1/members/C-1"),  # 401 from the gate
        edge.http.get("/v1/members/C-404", headers=edge.auth),  # 404
        edge.http.get("/nowhere"),
        edge.post("/v1/members", content=b"x" * 70_000),  # 413
    ]
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 200, 401, 404, 404, 413]
    for r in answers:
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, r.url
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in r.headers  # cookies are not secure here
        assert "server" not in r.headers


def test_hsts_is_sent_when_cookies_are_secure(jf: Jifen) -> None:
    jf.settings = Settings(database_url=str(jf.engine.url), secure_cookies=True)
    with TestClient(create_app(jf)) as http:
        r = http.get("/healthz")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_api_documentation_page_runs_no_inline_script(edge: Edge) -> None:
    r = edge.http.get("/docs")
    assert r.status_code == 200
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
    assert scripts and all("src=" in attrs and not code.strip() for attrs, code in scripts)
    assert edge.http.get("/static/swagger-init.js").status_code == 200


def test_the_api_documentation_page_needs_no_cdn(edge: Edge) -> None:
    """Swagger UI's files come from this server: the page works offline, under 'self'."""
    r = edge.http.get("/docs")
    assert "https://" not in r.text and "http://" not in r.text
    assert "https://" not in r.headers["content-security-policy"]
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', r.text):
        got = edge.http.get(asset)
        assert got.status_code == 200 and got.content, asset


def test_no_page_template_holds_inline_script_or_style() -> None:
    for path in (TEMPLATES / "templates").rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert "<style" not in text and "style=" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path


def test_the_server_does_not_advertise_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(server.uvicorn, "run", lambda *a, **kw: seen.update(kw))
    server.run_server(Settings(environment="test"))
    assert seen["server_header"] is False


# --- the document says it ---------------------------------------------------------


def test_the_openapi_document_declares_its_security_and_every_status(edge: Edge) -> None:
    spec = edge.http.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKey"]["name"] == "X-Api-Key"
    seen = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            responses = op["responses"]
            assert "503" in responses, (method, path)
            assert "Retry-After" in responses["503"]["headers"]
            if not path.startswith("/v1/"):
                continue
            seen += 1
            assert op["security"] == [{"bearer": []}, {"apiKey": []}]
            wanted = {"400", "401", "403", "404", "413", "422", "503"}
            if method != "get":
                wanted.add("409")
            assert wanted <= set(responses), (method, path, sorted(responses))
            for status in wanted:
                content = responses[status]["content"]
                assert list(content) == [PROBLEM], (method, path, status)
    assert seen >= 38


def test_a_programme_file_nested_past_32_levels_is_a_422_not_a_500(edge: Edge) -> None:
    source = "program:\n  code: fresh-market\nextra: " + "[" * 20_000 + "]" * 20_000 + "\n"
    r = edge.post(
        "/v1/program/versions", content=source.encode(), headers={"Content-Type": "text/plain"}
    )
    body = problem_of(r, 422, "program_file_invalid")
    assert "nested deeper than 32 levels" in body["detail"]


def test_an_outage_behind_a_page_form_is_the_try_again_page_not_a_422(
    edge: Edge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that shows refusals in its own words (``except JifenError``) lets an outage
    through to its one answer: 503 and "please try again shortly" in the visitor's language."""

    def outage(*_: object, **__: object) -> None:
        raise Unavailable("the database cannot be reached; retry shortly")

    monkeypatch.setattr(access, "request_code", outage)
    edge.http.cookies.set("jifen_csrf", "t0ken")
    r = edge.http.post(
        "/portal/sign-in",
        data={"contact": "13800000000", "csrf": "t0ken"},
        headers={"Accept-Language": "en"},
        follow_redirects=False,
    )
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "5"
    assert "Please try again shortly" in r.text

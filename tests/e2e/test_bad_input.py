"""Bad input through the HTTP API: a clear problem+json, and nothing written.

In-process (``TestClient``) on SQLite and PostgreSQL. Every refusal is
checked against a snapshot of the database taken just before it: row counts,
balances and lot remainders must be exactly as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.services import members
from jifen.services.access import apikeys
from jifen.services.ledger import holds
from jifen.services.ledger.commands import PlaceHold
from tests.factories import key, make_member

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"
TABLES = ("members", "entries", "lots", "draws", "holds", "idempotency_keys", "outbox", "audit_log")
LIMIT = 64 * 1024


def snapshot(jf: Jifen) -> dict[str, Any]:
    with jf.engine.connect() as conn:
        state: dict[str, Any] = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES
        }
        state["balances"] = conn.execute(
            text("SELECT id, available, pending, held, updated_at FROM members ORDER BY id")
        ).all()
        state["lots_remaining"] = conn.execute(
            text("SELECT id, remaining FROM lots ORDER BY id")
        ).all()
        state["hold_status"] = conn.execute(text("SELECT id, status FROM holds ORDER BY id")).all()
    return state


@dataclass
class Api:
    jf: Jifen
    http: TestClient
    auth: dict[str, str]
    hold_id: int
    entry_id: int

    def post(self, path: str, idem: str | None = "auto", **kw: Any) -> Any:
        headers = {**self.auth, **kw.pop("headers", {})}
        if idem is not None:
            headers.setdefault("Idempotency-Key", key("bad") if idem == "auto" else idem)
        return self.http.post(path, headers=headers, **kw)

    def refused(self, send: Any, status: int, code: str) -> dict[str, Any]:
        """``send()`` is answered with this problem and leaves the database untouched."""
        before = snapshot(self.jf)
        r = send()
        after = snapshot(self.jf)
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith(PROBLEM), r.headers
        body: dict[str, Any] = r.json()
        assert set(body) == {"type", "title", "status", "code", "detail", "params"}, body
        assert (body["status"], body["code"], body["type"]) == (
            status,
            code,
            f"urn:jifen:problem:{code}",
        ), body
        assert isinstance(body["detail"], str) and body["detail"]
        assert after == before, "a refused request changed the database"
        return body


@pytest.fixture
def api(jf: Jifen, program: Program) -> Iterator[Api]:
    make_member(jf, program, "C-1", points=100)
    hold = holds.place_hold(jf.uow(), jf.clock, program, PlaceHold("C-1", 10), key("hold"))
    assert hold.hold_id is not None
    page = members.history(jf.uow(write=False), program, "C-1", None, 10)
    earn = next(i.id for i in page.items if i.kind == "earn")
    secret = apikeys.create_key(jf.uow(), jf.clock, program, "bad-input", ["admin"], "test")
    with TestClient(create_app(jf), raise_server_exceptions=False) as http:
        yield Api(jf, http, {"Authorization": f"Bearer {secret}"}, hold.hold_id, earn)


def names_points(body: dict[str, Any]) -> bool:
    params = body["params"]
    return params.get("field") == "points" or any(
        e["field"] == "points" for e in params.get("errors", [])
    )


@pytest.mark.parametrize(
    "path", ["/v1/members", "/v1/members/C-1/adjustments", "/v1/members/C-1/holds"]
)
def test_malformed_json_is_a_400_malformed_json(api: Api, path: str) -> None:
    for raw in (b'{"points": 5,', b"{points: 5}", b"\xff\xfe"):
        api.refused(
            lambda raw=raw: api.post(
                path, content=raw, headers={"Content-Type": "application/json"}
            ),
            400,
            "malformed_json",
        )


@pytest.mark.parametrize(
    ("path", "bad_points", "extra"),
    [
        ("/v1/members/C-1/adjustments", [0, 1.5, "10", True, False, None], {"reason": "x"}),
        ("/v1/members/C-1/holds", [-5, 0, 1.5, "10", True, 10**13], {}),
        ("/v1/holds/{hold}/capture", [-5, 0, 1.5, "10", True], {}),
        ("/v1/entries/{entry}/reversals", [-5, 0, 1.5, "10", True], {}),
    ],
)
def test_points_that_are_not_positive_whole_numbers_are_a_422_invalid_input(
    api: Api, path: str, bad_points: list[Any], extra: dict[str, Any]
) -> None:
    url = path.format(hold=api.hold_id, entry=api.entry_id)
    for points in bad_points:
        body = api.refused(
            lambda points=points: api.post(url, json={"points": points, **extra}),
            422,
            "invalid_input",
        )
        assert names_points(body), (points, body)


def test_a_debit_larger_than_the_balance_is_refused_and_writes_nothing(api: Api) -> None:
    body = api.refused(
        lambda: api.post("/v1/members/C-1/adjustments", json={"points": -1000, "reason": "x"}),
        422,
        "insufficient_points",
    )
    assert body["params"] == {"requested": 1000, "available": 90}


def test_an_unknown_member_is_a_404_member_not_found(api: Api) -> None:
    writes = [
        ("/v1/members/C-404/adjustments", {"points": 5, "reason": "x"}),
        ("/v1/members/C-404/holds", {"points": 5}),
    ]
    for path, payload in writes:
        body = api.refused(
            lambda path=path, payload=payload: api.post(path, json=payload),
            404,
            "member_not_found",
        )
        assert body["params"] == {"member": "C-404"}
    for path in ("/v1/members/C-404", "/v1/members/C-404/entries"):
        api.refused(lambda path=path: api.http.get(path, headers=api.auth), 404, "member_not_found")
    api.refused(
        lambda: api.http.patch(
            "/v1/members/C-404",
            json={"phone": "1"},
            headers={**api.auth, "Idempotency-Key": key()},
        ),
        404,
        "member_not_found",
    )


def test_a_body_over_64_kib_with_a_content_length_is_a_413(api: Api) -> None:
    raw = b'{"points": 1, "reason": "' + b"x" * LIMIT + b'"}'
    body = api.refused(
        lambda: api.post(
            "/v1/members/C-1/adjustments",
            content=raw,
            headers={"Content-Type": "application/json"},
        ),
        413,
        "payload_too_large",
    )
    assert body["params"] == {"max_bytes": LIMIT}


def test_a_streamed_body_over_64_kib_without_a_content_length_is_a_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"points": 1, "reason": "'
        for _ in range(10):
            yield b"x" * 8192
        yield b'"}'

    sent: list[Any] = []

    def send() -> Any:
        r = api.post(
            "/v1/members/C-1/adjustments",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        sent.append(r.request)
        return r

    api.refused(send, 413, "payload_too_large")
    assert "content-length" not in sent[0].headers
    assert sent[0].headers["transfer-encoding"] == "chunked"


def test_a_body_just_under_the_limit_is_parsed_not_refused_as_too_large(api: Api) -> None:
    raw = b'{"points": 1, "reason": "' + b"x" * (LIMIT - 100) + b'"}'
    body = api.refused(
        lambda: api.post(
            "/v1/members/C-1/adjustments",
            content=raw,
            headers={"Content-Type": "application/json"},
        ),
        422,
        "invalid_input",
    )
    assert body["params"]["errors"][0]["field"] == "reason"


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/v1/members", {"external_id": "C-2", "nickname": "x"}),
        ("/v1/members/C-1/adjustments", {"points": 5, "reason": "x", "currency": "CNY"}),
        ("/v1/members/C-1/holds", {"points": 5, "expires": 60}),
        ("/v1/holds/{hold}/capture", {"points": 5, "all": True}),
    ],
)
def test_unknown_fields_are_a_422_naming_the_field(
    api: Api, path: str, payload: dict[str, Any]
) -> None:
    unknown = next(iter(set(payload) - {"external_id", "points", "reason"}))
    body = api.refused(
        lambda: api.post(path.format(hold=api.hold_id), json=payload), 422, "invalid_input"
    )
    assert [e["field"] for e in body["params"]["errors"]] == [unknown]


def test_a_patch_with_an_unknown_field_is_a_422(api: Api) -> None:
    api.refused(
        lambda: api.http.patch(
            "/v1/members/C-1",
            json={"available": 1_000_000},
            headers={**api.auth, "Idempotency-Key": key()},
        ),
        422,
        "invalid_input",
    )


@pytest.mark.parametrize("header", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_every_write_without_an_idempotency_key_is_a_400(api: Api, header: str | None) -> None:
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/v1/members", {"external_id": "C-2"}),
        ("PATCH", "/v1/members/C-1", {"phone": "13900000000"}),
        ("POST", "/v1/members/C-1/adjustments", {"points": 5, "reason": "x"}),
        ("POST", "/v1/members/C-1/holds", {"points": 5}),
        ("POST", f"/v1/holds/{api.hold_id}/capture", None),
        ("POST", f"/v1/holds/{api.hold_id}/release", None),
        ("POST", f"/v1/entries/{api.entry_id}/reversals", {"points": 1}),
    ]
    headers = dict(api.auth)
    if header is not None:
        headers["Idempotency-Key"] = header
    for method, path, payload in writes:
        api.refused(
            lambda method=method, path=path, payload=payload: api.http.request(
                method, path, json=payload, headers=headers
            ),
            400,
            "idempotency_key_required",
        )


def test_reusing_an_idempotency_key_for_a_different_body_is_a_409(api: Api) -> None:
    first = api.post(
        "/v1/members/C-1/adjustments", idem="same", json={"points": 5, "reason": "goodwill"}
    )
    assert first.status_code == 201, first.text
    for changed in ({"points": 6, "reason": "goodwill"}, {"points": 5, "reason": "other"}):
        body = api.refused(
            lambda changed=changed: api.post(
                "/v1/members/C-1/adjustments", idem="same", json=changed
            ),
            409,
            "idempotency_key_reused",
        )
        assert body["params"] == {"key": "same"}
    # the same key on another endpoint is another request too
    api.refused(
        lambda: api.post("/v1/members/C-1/holds", idem="same", json={"points": 5}),
        409,
        "idempotency_key_reused",
    )
    replay = api.post(
        "/v1/members/C-1/adjustments", idem="same", json={"points": 5, "reason": "goodwill"}
    )
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()


def test_a_refused_request_does_not_burn_its_idempotency_key(api: Api) -> None:
    api.refused(
        lambda: api.post(
            "/v1/members/C-1/adjustments", idem="retry-me", json={"points": 0, "reason": "x"}
        ),
        422,
        "invalid_input",
    )
    api.refused(
        lambda: api.post(
            "/v1/members/C-9/adjustments", idem="retry-me", json={"points": 5, "reason": "x"}
        ),
        404,
        "member_not_found",
    )
    ok = api.post("/v1/members/C-1/adjustments", idem="retry-me", json={"points": 5, "reason": "x"})
    assert ok.status_code == 201, ok.text
    assert "idempotent-replayed" not in ok.headers

"""The order lane (ADR 0029): an ordinary order skips FastAPI's request handling, and
every answer is the one the documented route gives."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.domain.engagement.codes import luhn_digit
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.api.order_lane import OrderLane
from jifen.entrypoints.api.routers import earning as earning_router
from jifen.services.access import apikeys
from tests.earning_fixtures import count, join, publish
from tests.factories import FakeClock

ORDER: dict[str, Any] = {
    "order_id": "1001",
    "member": "C-1",
    "paid": "250.00",
    "lines": [{"sku": "oil-5l", "quantity": 1, "unit_price": "250.00", "tags": ["new"]}],
}
SCOPES = ("admin", "ledger:write", "ledger:read")
CODE = "620148391027556" + luhn_digit("620148391027556")  # C-1's membership code


def _order(**changes: Any) -> bytes:
    return json.dumps({**ORDER, **changes}).encode()


JSON = [("content-type", "application/json")]


def typed(*media: str) -> list[tuple[str, str]]:
    return [("content-type", m) for m in media]


#: (name, key's scope or None, headers beyond the key, body): sent in this order
CORPUS: list[tuple[str, str | None, list[tuple[str, str]], bytes]] = [
    ("an order", "ledger:write", JSON, _order()),
    ("its replay", "ledger:write", JSON, _order()),
    ("the same id, another body", "ledger:write", JSON, _order(paid="1.00")),
    ("an admin key", "admin", JSON, _order(order_id="1002")),
    ("a charset", "ledger:write", typed("application/json; charset=utf-8"), _order(order_id="1003")),
    ("the key as X-Api-Key", "x-api-key", JSON, _order(order_id="1004")),
    ("a read-only key", "ledger:read", JSON, _order(order_id="1005")),
    ("no content type", "ledger:write", [], _order(order_id="1006")),
    ("text/plain", "ledger:write", typed("text/plain"), _order(order_id="1007")),
    ("malformed JSON", "ledger:write", JSON, b'{"order_id": "1008",'),
    ("money as a number", "ledger:write", JSON, _order(order_id="1009", paid=250.0)),
    ("an unknown field", "ledger:write", JSON, _order(order_id="1010", tip="5")),
    ("a lone surrogate", "ledger:write", JSON,
     _order(order_id="1011").replace(b'"new"', b'"\\ud800"')),
    ("NaN in the attributes", "ledger:write", JSON,
     _order(order_id="1012").replace(b'"lines"', b'"attributes": {"x": NaN}, "lines"')),
    ("a key twice", "ledger:write", JSON,
     _order(order_id="1013").replace(b'"order_id"', b'"order_id": "dup", "order_id"')),
    ("an unknown member", "ledger:write", JSON, _order(order_id="1014", member="C-404")),
    ("from the far future", "ledger:write", JSON,
     _order(order_id="1015", placed_at="2999-01-01T00:00:00+00:00")),
    ("too many lines", "ledger:write", JSON,
     _order(order_id="1016", lines=[ORDER["lines"][0]] * 501)),
    ("a NUL in a string", "ledger:write", JSON, _order(order_id="1017", store="a\u0000b")),
    ("a body too large", "ledger:write", JSON,
     _order(order_id="1018", attributes={"x": "y" * 300_000})),
    ("upper case", "ledger:write", typed("Application/JSON"), _order(order_id="1020")),
    ("latin-1", "ledger:write", typed("application/json; charset=latin-1"),
     _order(order_id="1021", store="caf\u00e9").replace(b"caf\\u00e9", "café".encode("latin-1"))),
    ("a JSON suffix", "ledger:write", typed("application/vnd.till+json"), _order(order_id="1022")),
    ("two types, JSON last", "ledger:write", typed("text/plain", "application/json"),
     _order(order_id="1023")),
    ("two types, JSON first", "ledger:write", typed("application/json", "text/plain"),
     _order(order_id="1024", store="a\u0000b")),
    ("raw surrogate bytes", "ledger:write", JSON,
     _order(order_id="1025").replace(b'"new"', b'"\xed\xa0\x80"')),
    ("a query string", "ledger:write", JSON, _order(order_id="1026")),
    ("by membership code", "ledger:write", JSON,
     _order(order_id="1027", member=None, member_code=CODE[:4] + " " + CODE[4:])),
    ("by code and by id", "ledger:write", JSON, _order(order_id="1028", member_code=CODE)),
    ("a mistyped code", "ledger:write", JSON,
     _order(order_id="1029", member=None, member_code=CODE[:-1] + str(9 - int(CODE[-1])))),
    ("a second order", "ledger:write", JSON, _order(
        order_id="1019", paid="80.00", lines=[{"sku": "rice", "quantity": 2, "unit_price": "40.00"}]
    )),
]  # fmt: skip
#: orders a client sends every day: the lane takes them
ORDINARY = {"1001", "1002", "1003", "1004", "1013", "1019", "1026"}
#: tables an order writes, compared whole between the two servers (same template, same clock)
TABLES = ("members", "orders", "entries", "lots", "member_months", "rule_usage", "outbox")


class Server:
    def __init__(self, template: Path, where: Path, lane: bool) -> None:
        shutil.copy(template, where)
        self.jf = bootstrap(Settings(database_url=f"sqlite:///{where}"), clock=FakeClock())
        program = publish(self.jf)
        join(self.jf, program, "C-1")
        with self.jf.engine.begin() as conn:  # codes are drawn at random: the same for both
            conn.execute(
                text("UPDATE members SET member_code = :c, referral_code = NULL"), {"c": CODE}
            )
        self.keys = {
            s: apikeys.create_key(self.jf.uow(), self.jf.clock, program, s, [s], "test")
            for s in SCOPES
        }
        app = create_app(self.jf)
        if not lane:
            _without_lane(app)
        self.client = TestClient(app)
        self.client.__enter__()

    def send(
        self, scope: str | None, headers: list[tuple[str, str]], body: bytes, path: str = ""
    ) -> Any:
        sent = list(headers)
        if scope == "x-api-key":
            sent.append(("X-Api-Key", self.keys["ledger:write"]))
        elif scope is not None:
            sent.append(("Authorization", f"Bearer {self.keys[scope]}"))
        r = self.client.post(path or "/v1/orders", content=body, headers=sent)
        shown = {k: v for k, v in r.headers.items() if k not in ("date",)}
        return r.status_code, shown, r.content

    def rows(self) -> dict[str, list[Any]]:
        with self.jf.engine.connect() as conn:
            return {t: sorted(map(repr, conn.execute(text(f"SELECT * FROM {t}")))) for t in TABLES}

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.jf.close()


def _without_lane(app: FastAPI) -> None:
    app.user_middleware = [m for m in app.user_middleware if m.cls is not OrderLane]


@pytest.fixture
def servers(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    laned = Server(sqlite_template, tmp_path / "laned.db", lane=True)
    routed = Server(sqlite_template, tmp_path / "routed.db", lane=False)
    try:
        yield laned, routed
    finally:
        laned.close()
        routed.close()


def test_every_answer_is_the_routes_own(
    servers: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    laned, routed = servers
    seen: list[str] = []  # the orders the route itself took
    through = earning_router.order_of

    def spied(body: Any, *member: Any) -> Any:
        seen.append(body.order_id)
        return through(body, *member)

    monkeypatch.setattr(earning_router, "order_of", spied)
    answers = {}
    for server in servers:
        # a key's first call fills the programme's cache, which the lane reads
        ok = server.client.get(
            "/v1/program", headers={"Authorization": f"Bearer {server.keys['ledger:read']}"}
        )
        assert ok.status_code == 200, ok.text
        seen.clear()
        answers[server] = [
            server.send(scope, headers, body, "/v1/orders?source=till" if "1026" in name else "")
            for name, scope, headers, body in CORPUS
        ]
        taken = set(seen)
        if server is laned:
            assert not taken & ORDINARY, taken  # the lane took every ordinary order
    for (name, *_), a, b in zip(CORPUS, answers[laned], answers[routed], strict=True):
        assert a == b, name
    assert taken >= ORDINARY  # the route without the lane took them all
    assert laned.rows() == routed.rows()
    said = {name: answer for (name, *_), answer in zip(CORPUS, answers[laned], strict=True)}
    status, _, body = said["by membership code"]  # the route read whose the code is
    assert (status, json.loads(body)["member"]) == (201, "C-1"), body
    assert [said[n][0] for n in ("by code and by id", "a mistyped code")] == [422, 422]
    assert json.loads(said["a mistyped code"][2])["params"]["field"] == "member_code"
    assert count(laned.jf, "orders") == 11  # ten by id, one by membership code


def test_an_ordinary_order_takes_the_lane_and_the_rest_the_route(
    servers: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    laned, _ = servers
    routed: list[str] = []
    through = earning_router.order_of

    def spied(body: Any, *member: Any) -> Any:
        routed.append(body.order_id)
        return through(body, *member)

    monkeypatch.setattr(earning_router, "order_of", spied)
    assert laned.send("ledger:write", JSON, _order(order_id="cold"))[0] == 201
    assert routed == ["cold"]  # the programme was not in the cache yet: the route read it
    assert laned.send("ledger:write", JSON, _order(order_id="warm"))[0] == 201
    assert laned.send("admin", JSON, _order(order_id="admin"))[0] == 201
    assert routed == ["cold"]
    assert laned.send("ledger:write", typed("text/plain"), _order(order_id="t"))[0] == 422
    assert laned.send("ledger:write", JSON, _order(order_id="x", member="C-404"))[0] == 404
    assert routed == ["cold"]  # refused by the writer: the lane says it as the route would
    # the lane runs inside the edge's bounds: OrderBody alone would take a NUL
    nul = laned.send("ledger:write", JSON, _order(order_id="nul", store="a\u0000b"))
    assert nul[0] == 422 and json.loads(nul[2])["code"] == "nul_character"
    assert laned.send(None, JSON, _order(order_id="anonymous"))[0] == 401

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

from jifen.bootstrap import bootstrap
from jifen.config import Settings
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


def _order(**changes: Any) -> bytes:
    return json.dumps({**ORDER, **changes}).encode()


#: (name, key's scope or None, headers beyond the key, body): sent in this order
CORPUS: list[tuple[str, str | None, dict[str, str], bytes]] = [
    ("an order", "ledger:write", {}, _order()),
    ("its replay", "ledger:write", {}, _order()),
    ("the same id, another body", "ledger:write", {}, _order(paid="1.00")),
    ("an admin key", "admin", {}, _order(order_id="1002")),
    (
        "a charset",
        "ledger:write",
        {"content-type": "application/json; charset=utf-8"},
        _order(order_id="1003"),
    ),
    ("the key as X-Api-Key", "x-api-key", {}, _order(order_id="1004")),
    ("a read-only key", "ledger:read", {}, _order(order_id="1005")),
    ("no content type", "ledger:write", {"content-type": ""}, _order(order_id="1006")),
    ("text/plain", "ledger:write", {"content-type": "text/plain"}, _order(order_id="1007")),
    ("malformed JSON", "ledger:write", {}, b'{"order_id": "1008",'),
    ("money as a number", "ledger:write", {}, _order(order_id="1009", paid=250.0)),
    ("an unknown field", "ledger:write", {}, _order(order_id="1010", tip="5")),
    (
        "a lone surrogate",
        "ledger:write",
        {},
        _order(order_id="1011").replace(b'"new"', b'"\\ud800"'),
    ),
    (
        "NaN in the attributes",
        "ledger:write",
        {},
        _order(order_id="1012").replace(b'"lines"', b'"attributes": {"x": NaN}, "lines"'),
    ),
    (
        "a key twice",
        "ledger:write",
        {},
        _order(order_id="1013").replace(b'"order_id"', b'"order_id": "dup", "order_id"'),
    ),
    ("an unknown member", "ledger:write", {}, _order(order_id="1014", member="C-404")),
    (
        "from the far future",
        "ledger:write",
        {},
        _order(order_id="1015", placed_at="2999-01-01T00:00:00+00:00"),
    ),
    (
        "too many lines",
        "ledger:write",
        {},
        _order(order_id="1016", lines=[ORDER["lines"][0]] * 501),
    ),
    ("a NUL in a string", "ledger:write", {}, _order(order_id="1017", store="a\u0000b")),
    (
        "a body too large",
        "ledger:write",
        {},
        _order(order_id="1018", attributes={"x": "y" * 300_000}),
    ),
    (
        "a second order",
        "ledger:write",
        {},
        _order(
            order_id="1019",
            paid="80.00",
            lines=[{"sku": "rice", "quantity": 2, "unit_price": "40.00"}],
        ),
    ),
]


class Server:
    def __init__(self, template: Path, where: Path, lane: bool) -> None:
        shutil.copy(template, where)
        self.jf = bootstrap(Settings(database_url=f"sqlite:///{where}"), clock=FakeClock())
        program = publish(self.jf)
        join(self.jf, program, "C-1")
        self.keys = {
            s: apikeys.create_key(self.jf.uow(), self.jf.clock, program, s, [s], "test")
            for s in SCOPES
        }
        app = create_app(self.jf)
        if not lane:
            _without_lane(app)
        self.client = TestClient(app)
        self.client.__enter__()

    def send(self, scope: str | None, headers: dict[str, str], body: bytes) -> Any:
        sent = {"content-type": "application/json", **headers}
        if scope == "x-api-key":
            sent["X-Api-Key"] = self.keys["ledger:write"]
        elif scope is not None:
            sent["Authorization"] = f"Bearer {self.keys[scope]}"
        if sent["content-type"] == "":
            del sent["content-type"]
        r = self.client.post("/v1/orders", content=body, headers=sent)
        shown = {k: v for k, v in r.headers.items() if k not in ("date",)}
        return r.status_code, shown, r.content

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


def test_every_answer_is_the_routes_own(servers: tuple[Server, Server]) -> None:
    laned, routed = servers
    for server in servers:  # the first call of a key fills the caches the lane reads
        server.client.get(
            "/v1/program", headers={"Authorization": f"Bearer {server.keys['ledger:write']}"}
        )
    for name, scope, headers, body in CORPUS:
        assert laned.send(scope, headers, body) == routed.send(scope, headers, body), name
    assert count(laned.jf, "orders") == count(routed.jf, "orders") == 7


def test_an_ordinary_order_takes_the_lane_and_the_rest_the_route(
    servers: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    laned, _ = servers
    routed: list[str] = []
    through = earning_router.order_of

    def spied(body: Any) -> Any:
        routed.append(body.order_id)
        return through(body)

    monkeypatch.setattr(earning_router, "order_of", spied)
    assert laned.send("ledger:write", {}, _order(order_id="cold"))[0] == 201
    assert routed == ["cold"]  # the programme was not in the cache yet: the route read it
    assert laned.send("ledger:write", {}, _order(order_id="warm"))[0] == 201
    assert laned.send("admin", {}, _order(order_id="admin"))[0] == 201
    assert routed == ["cold"]
    assert (
        laned.send("ledger:write", {"content-type": "text/plain"}, _order(order_id="t"))[0] == 422
    )
    assert laned.send("ledger:write", {}, _order(order_id="x", member="C-404"))[0] == 404
    assert routed == ["cold"]  # refused by the writer: the lane says it as the route would
    # the lane runs inside the edge's bounds: OrderBody alone would take a NUL
    nul = laned.send("ledger:write", {}, _order(order_id="nul", store="a\u0000b"))
    assert nul[0] == 422 and json.loads(nul[2])["code"] == "nul_character"
    assert laned.send(None, {}, _order(order_id="anonymous"))[0] == 401

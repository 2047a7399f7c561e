"""Orders, refunds, activities, simulations and programme versions over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.entrypoints.api.app import create_app
from jifen.services.access import apikeys
from tests.earning_fixtures import ROOT, count, join, publish


@pytest.fixture
def api(jf: Jifen) -> Iterator[tuple[TestClient, dict[str, str]]]:
    program = publish(jf)
    join(jf, program, "C-1")
    keys = {
        scope: apikeys.create_key(jf.uow(), jf.clock, program, scope, [scope], "test")
        for scope in ("admin", "ledger:write", "ledger:read")
    }
    with TestClient(create_app(jf)) as client:
        yield client, keys


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


ORDER = {
    "order_id": "1001",
    "member": "C-1",
    "paid": "250.00",
    "lines": [{"sku": "oil-5l", "quantity": 1, "unit_price": "250.00", "tags": ["new"]}],
}


def test_an_order_earns_with_its_explanation_and_replays_by_order_id(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = api
    r = client.post("/v1/orders", json=ORDER, headers=auth(keys["ledger:write"]))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["points"] == 650 and body["available"] == 650
    assert {x["rule_id"] for x in body["award"]["lines"]} == {
        "base",
        "spend-200",
        "new-product",
        "first-order-of-week",
    }
    again = client.post("/v1/orders", json=ORDER, headers=auth(keys["ledger:write"]))
    assert again.json() == body and again.headers["Idempotent-Replayed"] == "true"
    refund = client.post(
        "/v1/orders/1001/refunds",
        headers=auth(keys["ledger:write"]),
        json={"refund_id": "r1", "amount": "100.00"},
    )
    assert refund.status_code == 201, refund.text
    # 150 left: base 150 and x2 150 (-200), threshold lost (-50); the new product stays
    assert refund.json()["points"] == -250


def test_money_must_be_a_decimal_string(api: tuple[TestClient, dict[str, str]], jf: Jifen) -> None:
    client, keys = api
    before = count(jf, "orders")
    r = client.post("/v1/orders", json={**ORDER, "paid": 250.0}, headers=auth(keys["ledger:write"]))
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = client.post(
        "/v1/orders", json={**ORDER, "paid": "250.001.5"}, headers=auth(keys["ledger:write"])
    )
    assert r.status_code == 422
    assert count(jf, "orders") == before


def test_simulation_writes_nothing(api: tuple[TestClient, dict[str, str]], jf: Jifen) -> None:
    client, keys = api
    r = client.post("/v1/simulate", json=ORDER, headers=auth(keys["ledger:write"]))
    assert r.status_code == 200 and r.json()["points"] == 650
    assert count(jf, "orders") == 0 and count(jf, "entries") == 0


def test_an_activity_needs_a_key_and_its_declared_fields(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = api
    body = {"member": "C-1", "type": "sign_up"}
    r = client.post("/v1/activities", json=body, headers=auth(keys["ledger:write"]))
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_required"
    r = client.post(
        "/v1/activities",
        json=body,
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "su-1"}),
    )
    assert r.status_code == 201 and r.json()["points"] == 100
    r = client.post(
        "/v1/activities",
        json={"member": "C-1", "type": "survey_completed"},
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "sv-1"}),
    )
    assert r.status_code == 422 and r.json()["params"]["field"] == "payload.survey_id"


def test_publishing_a_version_needs_admin_and_a_valid_file(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = api
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    changed = source.replace('min_spend: "200.00"', 'min_spend: "180.00"')
    text = {"Content-Type": "text/plain"}
    r = client.post(
        "/v1/program/versions", content=changed, headers=auth(keys["ledger:write"], **text)
    )
    assert r.status_code == 403
    r = client.post(
        "/v1/program/versions",
        content=changed.replace("Asia/Shanghai", "Mars"),
        headers=auth(keys["admin"], **text),
    )
    assert r.status_code == 422 and r.json()["code"] == "program_file_invalid"
    assert "program.timezone" in r.json()["detail"]
    r = client.post(
        "/v1/program/versions",
        content=changed.replace("code: fresh-market", "code: other-shop"),
        headers=auth(keys["admin"], **text),
    )
    assert r.status_code == 422 and r.json()["code"] == "program_code_mismatch"
    r = client.post("/v1/program/versions", content=changed, headers=auth(keys["admin"], **text))
    assert r.status_code == 201 and r.json()["current_version"] == 2
    listed = client.get("/v1/program", headers=auth(keys["ledger:read"])).json()
    assert [v["version"] for v in listed["versions"]] == [1, 2]
    old = client.get("/v1/program/versions/1", headers=auth(keys["ledger:read"]))
    assert old.status_code == 200 and 'min_spend: "200.00"' in old.json()
    r = client.post(
        "/v1/simulate",
        json={**ORDER, "paid": "190.00", "lines": []},
        headers=auth(keys["ledger:write"]),
    )
    assert r.json()["version"] == 2
    assert "spend-200" in {x["rule_id"] for x in r.json()["lines"]}

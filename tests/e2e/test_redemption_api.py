"""Rewards, redemptions, the cash offset and vouchers over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.entrypoints.api.app import create_app
from jifen.services import ledger
from jifen.services.access import apikeys
from jifen.services.ledger.commands import Earn
from tests.earning_fixtures import join, publish
from tests.factories import ScriptedChance, key

Api = tuple[TestClient, dict[str, str]]


@pytest.fixture
def api(jf: Jifen) -> Iterator[Api]:
    program = publish(jf)
    join(jf, program, "C-1")
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 2600), key("give"))
    keys = {
        scope: apikeys.create_key(jf.uow(), jf.clock, program, scope, [scope], "test")
        for scope in ("admin", "ledger:read", "ledger:write")
    }
    with TestClient(create_app(jf)) as client:
        yield client, keys


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


def test_the_catalogue_and_what_one_member_can_have(api: Api) -> None:
    client, keys = api
    rewards = client.get("/v1/rewards", headers=auth(keys["ledger:read"])).json()
    assert [(r["code"], r["points"], r["remaining"]) for r in rewards] == [
        ("eggs", 500, 2000),
        ("cooking-oil-5l", 2000, 500),
        ("nutritionist-visit", 8000, 40),
    ]
    assert rewards[0]["name"] == {"zh-CN": "一盒鸡蛋", "en": "A box of eggs"}
    mine = client.get("/v1/members/C-1/rewards", headers=auth(keys["ledger:read"])).json()
    assert [r["code"] for r in mine["affordable"]] == ["eggs", "cooking-oil-5l"]
    assert mine["one_purchase_away"] == []  # 5,400 short; a typical order earns 100


def test_redeem_then_cancel_over_http(api: Api) -> None:
    client, keys = api
    write = auth(keys["ledger:write"], **{"Idempotency-Key": "r-1"})
    r = client.post("/v1/redemptions", json={"member": "C-1", "reward": "eggs"}, headers=write)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["points"], body["available"]) == ("completed", 500, 2100)
    again = client.post("/v1/redemptions", json={"member": "C-1", "reward": "eggs"}, headers=write)
    assert again.json()["id"] == body["id"] and again.headers.get("Idempotent-Replayed") == "true"
    refused = client.post(
        "/v1/redemptions",
        json={"member": "C-1", "reward": "eggs"},
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "r-2"}),
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "redemption_limit_reached"
    cancel = client.post(
        f"/v1/redemptions/{body['id']}/cancel",
        json={"reason": "wrong size"},
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "c-1"}),
    )
    assert (cancel.json()["status"], cancel.json()["available"]) == ("cancelled", 2600)


def test_points_off_an_order_quote_hold_capture(api: Api) -> None:
    client, keys = api
    quote = client.post(
        "/v1/redemptions/quote",
        json={"member": "C-1", "total": "86.40", "points": 2350},
        headers=auth(keys["ledger:read"]),
    ).json()
    assert (quote["points"], quote["discount"], quote["payable"]) == (2350, 2350, 6290)
    held = client.post(
        "/v1/redemptions",
        json={"member": "C-1", "order": {"reference": "till-3", "total": "86.40"}, "points": 2350},
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "o-1"}),
    ).json()
    assert (held["status"], held["held"], held["cash"]) == ("held", 2350, 2350)
    done = client.post(
        f"/v1/redemptions/{held['id']}/capture",
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "o-1-capture"}),
    ).json()
    assert (done["status"], done["available"], done["held"]) == ("completed", 250, 0)
    small = client.post(
        "/v1/redemptions",
        json={"member": "C-1", "order": {"reference": "till-4", "total": "49.99"}},
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "o-2"}),
    )
    assert small.json()["code"] == "order_below_offset_minimum"
    both = client.post(
        "/v1/redemptions",
        json={"member": "C-1", "reward": "eggs", "order": {"reference": "x", "total": "60"}},
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "o-3"}),
    )
    assert both.status_code == 422 and both.json()["code"] == "invalid_input"


def test_counting_stock_needs_the_admin_scope_and_is_seen_at_once(api: Api) -> None:
    client, keys = api
    body = {"remaining": 3, "reason": "shelf count"}
    denied = client.put(
        "/v1/rewards/eggs/stock",
        json=body,
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "s-0"}),
    )
    assert denied.status_code == 403
    counted = client.put(
        "/v1/rewards/eggs/stock",
        json=body,
        headers=auth(keys["admin"], **{"Idempotency-Key": "s-1"}),
    )
    assert counted.json() == {"reward": "eggs", "remaining": 3}
    rewards = client.get("/v1/rewards", headers=auth(keys["ledger:read"])).json()
    assert rewards[0]["remaining"] == 3


def test_lottery_odds_a_draw_and_a_gift_over_http(api: Api, jf: Jifen) -> None:
    client, keys = api
    jf.chance = ScriptedChance(10_000)  # 50 points
    odds = client.get("/v1/lotteries", headers=auth(keys["ledger:read"])).json()
    assert [(p["code"], p["chance"]) for p in odds[0]["prizes"]] == [
        ("oil", "0.05%"),
        ("eggs", "0.5%"),
        ("points-50", "4%"),
        ("points-10", "20%"),
    ]
    write = auth(keys["ledger:write"], **{"Idempotency-Key": "d-1"})
    body = {"member": "C-1", "lottery": "lucky-draw"}
    r = client.post("/v1/lottery/draws", json=body, headers=write)
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["cost"], made["available"], made["version"]) == (10, 2640, odds[0]["version"])
    assert made["draws"][0]["prize"] == "points-50"
    again = client.post("/v1/lottery/draws", json=body, headers=write)
    assert again.json() == made and again.headers.get("Idempotent-Replayed") == "true"
    history = client.get("/v1/members/C-1/draws", headers=auth(keys["ledger:read"])).json()
    assert [(d["roll"], d["prize"], d["points"]) for d in history] == [(10_000, "points-50", 50)]

    gift = auth(keys["ledger:write"], **{"Idempotency-Key": "g-1"})
    r = client.post(
        "/v1/donations", json={"member": "C-1", "cause": "food-bank", "points": 200}, headers=gift
    )
    assert r.status_code == 201, r.text
    assert (r.json()["available"], r.json()["worth"]) == (2440, 200)
    causes = client.get("/v1/causes", headers=auth(keys["ledger:read"])).json()
    assert (causes[0]["code"], causes[0]["points"], causes[0]["donors"]) == ("food-bank", 200, 1)

    off_step = client.post(
        "/v1/donations",
        json={"member": "C-1", "cause": "food-bank", "points": 250},
        headers=auth(keys["ledger:write"], **{"Idempotency-Key": "g-2"}),
    )
    assert off_step.status_code == 422
    assert off_step.headers["content-type"] == "application/problem+json"
    assert off_step.json()["code"] == "invalid_input"


def test_an_admin_edits_the_catalogue_as_a_new_programme_version(api: Api) -> None:
    client, keys = api
    admin = auth(keys["admin"])
    version = client.get("/v1/program", headers=admin).json()["current_version"]
    rice = {
        "kind": "goods",
        "name": {"zh-CN": "东北大米5kg", "en": "Rice, 5 kg"},
        "points": 3000,
        "cost": "25.00",
        "stock": 100,
        "limits": [{"per": "month", "max_times": 1}],
    }

    put = client.put("/v1/rewards/rice-5kg", json=rice, headers=admin)
    again = client.put("/v1/rewards/rice-5kg", json=rice, headers=admin)

    assert put.status_code == 200, put.text
    assert (put.json()["points"], put.json()["remaining"]) == (3000, 100)
    assert again.json() == put.json()
    assert client.get("/v1/program", headers=admin).json()["current_version"] == version + 1  # once
    codes = [r["code"] for r in client.get("/v1/rewards", headers=auth(keys["ledger:read"])).json()]
    assert codes == ["eggs", "cooking-oil-5l", "nutritionist-visit", "rice-5kg"]
    cheaper = client.put("/v1/rewards/rice-5kg", json={**rice, "points": 2500}, headers=admin)
    assert cheaper.json()["points"] == 2500

    unknown_tier = client.put(
        "/v1/rewards/rice-5kg", json={**rice, "min_tier": "platinum"}, headers=admin
    )
    assert unknown_tier.status_code == 422
    assert unknown_tier.json()["code"] == "program_file_invalid"
    assert (
        "redemption.catalogue.3.min_tier: unknown tier 'platinum'" in unknown_tier.json()["detail"]
    )
    prized = client.delete("/v1/rewards/eggs", headers=admin)  # the lucky draw gives eggs
    assert prized.status_code == 422
    assert "no reward 'eggs' in the catalogue" in prized.json()["detail"]
    assert client.get("/v1/program", headers=admin).json()["current_version"] == version + 2

    assert client.delete("/v1/rewards/rice-5kg", headers=admin).status_code == 204
    assert client.delete("/v1/rewards/rice-5kg", headers=admin).json()["code"] == (
        "reward_not_found"
    )
    write = auth(keys["ledger:write"])
    assert client.put("/v1/rewards/rice-5kg", json=rice, headers=write).status_code == 403

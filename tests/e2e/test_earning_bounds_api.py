"""Every value from outside is bounded: dates, money, quantities, points (issue 19).

Each case is a 422 problem+json naming its code and field; nothing is written.
The fake clock stands at 2026-03-01T04:00Z (noon in Shanghai).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.entrypoints.api.app import create_app
from jifen.services import programs
from jifen.services.access import apikeys
from tests.earning_fixtures import count, join, publish


@pytest.fixture
def api(jf: Jifen) -> Iterator[tuple[TestClient, dict[str, str]]]:
    program = publish(jf)
    join(jf, program, "C-1")
    key = apikeys.create_key(jf.uow(), jf.clock, program, "w", ["ledger:write"], "test")
    with TestClient(create_app(jf)) as client:
        yield client, {"Authorization": f"Bearer {key}"}


ORDER: dict[str, Any] = {
    "order_id": "1001",
    "member": "C-1",
    "paid": "250.00",
    "lines": [{"sku": "oil-5l", "quantity": 1, "unit_price": "250.00", "tags": ["new"]}],
}


def refused(api: tuple[TestClient, dict[str, str]], path: str, body: dict[str, Any]) -> Any:
    client, headers = api
    r = client.post(path, json=body, headers={**headers, "Idempotency-Key": "k1"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()


@pytest.mark.parametrize(
    ("placed_at", "code"),
    [
        ("2026-03-01T12:06:00+08:00", "date_in_future"),  # 6 minutes ahead: beyond the skew
        ("2030-01-01T00:00:00+00:00", "date_in_future"),
        ("0001-01-01T00:00:00+08:00", "date_out_of_range"),  # cannot even be put in UTC
        ("9999-12-31T23:59:59-08:00", "date_out_of_range"),
        ("1969-12-31T23:59:59+00:00", "date_out_of_range"),
        ("1999-12-31T23:59:59+00:00", "date_out_of_range"),
    ],
)
def test_an_order_dated_in_the_future_or_out_of_range_is_refused(
    api: tuple[TestClient, dict[str, str]], jf: Jifen, placed_at: str, code: str
) -> None:
    body = refused(api, "/v1/orders", {**ORDER, "placed_at": placed_at})
    assert (body["code"], body["params"]["field"]) == (code, "placed_at")
    assert count(jf, "orders") == 0 and count(jf, "entries") == 0


def test_an_order_within_the_clock_skew_is_taken(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = api
    body = {**ORDER, "placed_at": "2026-03-01T12:04:00+08:00"}  # 4 minutes ahead
    assert client.post("/v1/orders", json=body, headers=headers).status_code == 201


def test_a_date_without_an_offset_is_refused_clearly(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    body = refused(api, "/v1/orders", {**ORDER, "placed_at": "2026-03-01T10:00:00"})
    assert "placed_at" in str(body)


@pytest.mark.parametrize(
    ("occurred_at", "code"),
    [
        ("2026-03-01T05:00:00+00:00", "date_in_future"),
        ("0001-01-01T00:00:00+08:00", "date_out_of_range"),
    ],
)
def test_an_activity_dated_in_the_future_or_out_of_range_is_refused(
    api: tuple[TestClient, dict[str, str]], jf: Jifen, occurred_at: str, code: str
) -> None:
    body = refused(
        api, "/v1/activities", {"member": "C-1", "type": "sign_up", "occurred_at": occurred_at}
    )
    assert (body["code"], body["params"]["field"]) == (code, "occurred_at")
    assert count(jf, "entries") == 0


def test_paid_must_agree_with_the_lines(api: tuple[TestClient, dict[str, str]], jf: Jifen) -> None:
    # given one line of 210.00, when paid says 500.00, then it is refused (it earned 1,050)
    line = {"sku": "oil-5l", "quantity": 1, "unit_price": "210.00"}
    body = refused(api, "/v1/orders", {**ORDER, "paid": "500.00", "lines": [line]})
    assert (body["code"], body["params"]["field"]) == ("paid_disagrees_with_lines", "paid")
    assert body["params"]["lines"] == "210.00"
    assert count(jf, "orders") == 0


@pytest.mark.parametrize(
    ("paid", "lines", "discount", "points_paid"),
    [
        ("210.00", [("1", "210.00", "0")], "0", 0),
        ("180.00", [("2", "100.00", "10.00")], "10.00", 0),  # line and order discounts
        ("210.01", [("1", "210.00", "0")], "0", 0),  # a till's rounding: a fen a line
        ("150.00", [("1", "210.00", "0")], "0", 6000),  # points paid for the rest
    ],
)
def test_paid_that_agrees_with_the_lines_is_taken(
    api: tuple[TestClient, dict[str, str]],
    paid: str,
    lines: list[tuple[str, str, str]],
    discount: str,
    points_paid: int,
) -> None:
    client, headers = api
    body = {
        **ORDER,
        "paid": paid,
        "discount": discount,
        "points_paid": points_paid,
        "lines": [
            {"sku": f"s{i}", "quantity": int(q), "unit_price": p, "discount": d}
            for i, (q, p, d) in enumerate(lines)
        ],
    }
    r = client.post("/v1/orders", json=body, headers=headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"paid": "9999999999999.99", "lines": []}, "paid"),
        (
            {
                "paid": "1000000001.00",
                "lines": [{"sku": "gold", "quantity": 1, "unit_price": "1000000001.00"}],
            },
            "paid",
        ),
        (
            {
                "paid": "1100000000.00",
                "lines": [{"sku": "gold", "quantity": 11, "unit_price": "100000000.00"}],
            },
            "paid",
        ),
        ({"points_paid": 10**12 + 1}, "points_paid"),
    ],
)
def test_money_and_points_paid_beyond_their_bounds_are_refused(
    api: tuple[TestClient, dict[str, str]], jf: Jifen, change: dict[str, Any], field: str
) -> None:
    body = refused(api, "/v1/orders", {**ORDER, **change})
    assert body["code"] == "amount_too_large", body
    assert body["params"]["field"] == field
    assert count(jf, "orders") == 0 and count(jf, "entries") == 0


def test_a_backdated_order_shows_its_own_date_in_the_entries(
    api: tuple[TestClient, dict[str, str]], jf: Jifen
) -> None:
    client, headers = api
    body = {**ORDER, "placed_at": "2026-02-20T18:30:00+08:00"}
    assert client.post("/v1/orders", json=body, headers=headers).status_code == 201
    program = programs.find_program(jf.uow(write=False))
    key = apikeys.create_key(jf.uow(), jf.clock, program, "r", ["ledger:read"], "test")
    r = client.get("/v1/members/C-1/entries", headers={"Authorization": f"Bearer {key}"})
    item = r.json()["items"][0]
    assert item["occurred_at"] == "2026-02-20T10:30:00Z"
    assert item["created_at"] == "2026-03-01T04:00:00Z"

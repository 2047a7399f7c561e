"""A caller's Idempotency-Key lives apart from the keys jifen makes for itself.

Orders, refunds, birthday gifts and opening balances are keyed by jifen from their
own ids; a key a caller sends, whatever its text, can neither block nor replace them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.services import members
from jifen.services.access import apikeys
from jifen.services.members.commands import CreateMember
from jifen.services.tiers import birthdays
from tests.earning_fixtures import publish
from tests.factories import key

Api = tuple[TestClient, str, Program]


@pytest.fixture
def api(jf: Jifen) -> Iterator[Api]:
    program = publish(jf)
    members.create_member(
        jf.uow(), jf.clock, program, CreateMember("M1", birthday=date(1990, 6, 15)), key("join")
    )
    secret = apikeys.create_key(
        jf.uow(),
        jf.clock,
        program,
        "writer",
        ["ledger:write", "ledger:read", "members:read"],
        "test",
    )
    with TestClient(create_app(jf)) as client:
        yield client, secret, program


def _adjust(client: TestClient, secret: str, idem: str, points: int = 5) -> int:
    r = client.post(
        "/v1/members/M1/adjustments",
        json={"points": points, "reason": "goodwill"},
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": idem},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["available"])


def test_an_adjustment_keyed_like_an_order_does_not_block_that_order(api: Api) -> None:
    client, secret, _ = api
    _adjust(client, secret, "order:rp-9")
    order = {
        "order_id": "rp-9",
        "member": "M1",
        "paid": "100.00",
        "lines": [{"sku": "tea", "quantity": 1, "unit_price": "100.00"}],
    }
    r = client.post("/v1/orders", json=order, headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 201, r.text
    assert r.json()["points"] > 0 and "Idempotent-Replayed" not in r.headers
    # and the caller's key still replays the caller's adjustment, not the order
    again = client.post(
        "/v1/members/M1/adjustments",
        json={"points": 5, "reason": "goodwill"},
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "order:rp-9"},
    )
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"


def test_an_adjustment_keyed_like_a_birthday_does_not_cancel_the_gift(api: Api, jf: Jifen) -> None:
    client, secret, program = api
    before = _adjust(client, secret, "birthday:M1:2026")
    gifts = birthdays.birthday_gifts(jf.uow, jf.rulebooks, program, date(2026, 6, 15))
    assert gifts == birthdays.Gifts(members=1, points=50)
    r = client.get("/v1/members/M1", headers={"Authorization": f"Bearer {secret}"})
    assert r.json()["available"] == before + 50

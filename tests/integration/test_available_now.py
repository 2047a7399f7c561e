"""What a member may spend is what they have now: a read shows what a write would allow.

A lot whose end has passed is not spendable, whether or not the night has settled it;
pending points whose date has come are. The member (API, portal, console), the cash-offset
quote and the rewards a member can afford all read the balances as of now.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.domain.errors import InsufficientPoints
from jifen.entrypoints.api.app import create_app
from jifen.services import ledger, members, portal, redemption
from jifen.services.access import apikeys
from jifen.services.ledger import Earn, Redeem
from tests.earning_fixtures import join, publish
from tests.factories import FakeClock, key


def test_a_lot_past_its_end_is_not_shown_as_spendable(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    join(jf, program, "M1")
    now = clock.now()
    ledger.earn(
        jf.uow(), jf.clock, program, Earn("M1", 300, expires_at=now + timedelta(days=1)), key()
    )
    ledger.earn(
        jf.uow(), jf.clock, program, Earn("M1", 200, available_at=now + timedelta(hours=1)), key()
    )
    ledger.earn(jf.uow(), jf.clock, program, Earn("M1", 5000), key())
    secret = apikeys.create_key(jf.uow(), jf.clock, program, "r", ["members:read"], "test")
    clock.advance(days=2)  # the 300 have ended, the 200 have come; no night has run

    with TestClient(create_app(jf)) as client:
        r = client.get("/v1/members/M1", headers={"Authorization": f"Bearer {secret}"})
    assert (r.json()["available"], r.json()["pending"]) == (5200, 0)
    quote = redemption.quote_offset(
        jf.uow(write=False), jf.clock, jf.rulebooks, program, "M1", "10000.00"
    )
    assert quote.available == 5200
    rewards = redemption.member_rewards(jf.uow(write=False), jf.clock, jf.rulebooks, program, "M1")
    assert rewards.available == 5200
    found = members.search(jf.uow(write=False), jf.clock, program, "M1")
    assert [(f.external_id, f.available) for f in found] == [("M1", 5200)]
    home = portal.home_page(jf.uow(write=False), jf.clock, jf.rulebooks, program, "M1")
    assert (home.member.available, home.member.pending) == (5200, 0)
    # and a write agrees: 5,200 can be spent, not one point more
    with pytest.raises(InsufficientPoints):
        ledger.redeem(jf.uow(), jf.clock, program, Redeem("M1", 5201), key())
    assert ledger.redeem(jf.uow(), jf.clock, program, Redeem("M1", 5200), key()).available == 0

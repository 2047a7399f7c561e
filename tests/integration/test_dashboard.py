"""The dashboard's figures, from the ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.errors import InvalidInput
from jifen.services import ledger
from jifen.services import redemption as redemptions
from jifen.services.ledger.commands import Earn, Redeem, Reverse
from jifen.services.redemption.commands import RedeemReward, SettleRedemption
from jifen.services.reporting import period as dashboard
from tests.earning_fixtures import join, publish, set_tier
from tests.factories import FakeClock, key

MARCH_1, MARCH_2 = date(2026, 3, 1), date(2026, 3, 2)


def test_a_period_of_issued_redeemed_and_expired_points(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    for m in ("C-1", "C-2", "C-3"):
        join(jf, program, m)
    set_tier(jf, program, "C-2", "silver")
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 1000), key())
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-2", 500), key())
    soon = clock.now() + timedelta(hours=1)
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-2", 200, expires_at=soon), key())
    clock.advance(days=1)  # 2 March: the 200 have expired
    cmd = RedeemReward("C-1", "eggs")
    redemptions.redeem_reward(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key())
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-2", 10), key())  # settles the expiry

    d = dashboard.dashboard(jf.uow(write=False), program, MARCH_1, MARCH_2)

    assert (d.members, d.active) == (3, 2)
    assert (d.issued, d.redeemed, d.expired) == (1700, 510, 200)
    assert d.outstanding == 500 + 490
    assert d.liability == 990  # 990 points at 0.01 yuan: 9.90 yuan, in fen
    assert d.redemption_rate == Decimal("0.300")
    assert sorted(d.tiers) == [("", 2), ("silver", 1)]
    assert d.rewards == [("eggs", 1, 500)]
    assert [(x.day, x.issued, x.redeemed, x.expired) for x in d.days] == [
        (MARCH_1, 1700, 0, 0),
        (MARCH_2, 0, 510, 200),
    ]
    later = dashboard.dashboard(jf.uow(write=False), program, date(2026, 3, 3), date(2026, 3, 3))
    assert (later.issued, later.active, later.redemption_rate) == (0, 0, None)
    assert later.outstanding == d.outstanding  # what is owed does not depend on the period


@pytest.mark.parametrize(("start", "end"), [(MARCH_2, MARCH_1), (date(2025, 1, 1), MARCH_2)])
def test_a_period_backwards_or_over_a_year_is_refused(jf: Jifen, start: date, end: date) -> None:
    program = publish(jf)
    with pytest.raises(InvalidInput):
        dashboard.dashboard(jf.uow(write=False), program, start, end)


def test_cancelled_and_reversed_redemptions_are_not_counted_as_redeemed(
    jf: Jifen, clock: FakeClock
) -> None:
    """Given two rewards claimed and a spend, one reward cancelled and half the spend
    reversed, then the dashboard counts what members kept: one reward and half the spend."""
    program = publish(jf)
    join(jf, program, "C-1")
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 5000), key())
    clock.advance(days=1)  # 2 March
    eggs, oil = RedeemReward("C-1", "eggs"), RedeemReward("C-1", "cooking-oil-5l")
    kept = redemptions.redeem_reward(jf.uow(), jf.clock, jf.rulebooks, program, eggs, key())
    undone = redemptions.redeem_reward(jf.uow(), jf.clock, jf.rulebooks, program, oil, key())
    spent = ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 100), key())
    clock.advance(days=1)  # 3 March: the undoing comes a day later
    cancel = SettleRedemption(undone.id, "cancel", "changed their mind")
    redemptions.settle_redemption(jf.uow(), jf.clock, jf.rulebooks, program, cancel, key())
    ledger.reverse(jf.uow(), jf.clock, program, Reverse(spent.entry_ids[0], 40), key())

    d = dashboard.dashboard(jf.uow(write=False), program, MARCH_1, date(2026, 3, 3))

    assert (d.issued, d.redeemed) == (5000, kept.points + 60)
    assert d.redemption_rate == Decimal("0.112")
    assert d.rewards == [("eggs", 1, 500)]
    assert [(x.day, x.redeemed) for x in d.days] == [
        (MARCH_1, 0),
        (MARCH_2, 560),
        (date(2026, 3, 3), 0),
    ]

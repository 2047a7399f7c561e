"""Orders and refunds under the fresh-market programme, with worked numbers.

The fake clock starts on Sunday 2026-03-01, noon in Shanghai.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
)
from jifen.services import earning as orders
from jifen.services import ledger, members
from jifen.services.earning import refunds
from jifen.services.earning.commands import PlaceOrder, RefundOrder
from jifen.services.ledger.commands import Redeem
from tests.earning_fixtures import ROOT, buy, count, join, line, publish, set_tier
from tests.factories import FakeClock, assert_verified, balances

EGGS = line("eggs-12", 2, "15.00", "dairy", "daily_special")
VEG = line("bok-choy", 1, "98.50", "vegetables")
OIL = line("oil-5l", 1, "250.00", "grocery", "new")


def rules_of(result: object) -> dict[str, int]:
    return {x.rule_id: x.points for x in result.award.lines}  # type: ignore[attr-defined]


def test_first_order_of_the_week_doubles_and_the_daily_special_adds_50(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    first = buy(jf, program, "C-1", "1001", "128.50", EGGS, VEG)
    # 128 base, x2 first of the week (+128), daily special +50
    assert rules_of(first) == {"base": 128, "first-order-of-week": 128, "daily-special": 50}
    assert first.points == 306 and first.award.version == 1
    second = buy(jf, program, "C-1", "1002", "250.00", OIL)
    # same week: no doubling; spend >= 200 +50; new product +100
    assert rules_of(second) == {"base": 250, "spend-200": 50, "new-product": 100}
    assert {s.rule_id: s.reason for s in second.award.skipped}["first-order-of-week"] == (
        "condition_false"
    )
    assert balances(jf, program, "C-1") == (706, 0, 0)
    assert_verified(jf)


def test_gold_members_earn_three_times_adding_to_the_weekly_double(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    set_tier(jf, program, "C-1", "gold")
    result = buy(jf, program, "C-1", "2001", "100.00", line("milk", 1, "100.00", "dairy"))
    assert rules_of(result) == {"base": 100, "first-order-of-week": 100, "tier:gold": 200}


def test_an_order_is_awarded_once_per_order_id(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    first = buy(jf, program, "C-1", "3001", "50.00")
    again = buy(jf, program, "C-1", "3001", "50.00")
    assert again.replayed and again.entry_ids == first.entry_ids
    with pytest.raises(IdempotencyConflict):
        buy(jf, program, "C-1", "3001", "51.00")
    assert balances(jf, program, "C-1") == (100, 0, 0)


def test_an_order_counts_on_its_member_once_and_a_late_one_keeps_the_latest_date(
    jf: Jifen,
) -> None:
    # given a member with one order, the same order retried, and one placed days earlier
    program = publish(jf)
    join(jf, program, "C-1")
    now = jf.clock.now()
    buy(jf, program, "C-1", "3101", "50.00")
    buy(jf, program, "C-1", "3101", "50.00")
    buy(jf, program, "C-1", "3102", "20.50", at=now - timedelta(days=3))
    # then the member counts two orders, their spend in fen, and the latest order's time
    with jf.uow(write=False) as uow:
        member = uow.members.get(program.id, "C-1")
    assert member is not None
    assert (member.orders_count, member.spend_total) == (2, 7050)
    assert member.last_order_at == now


def test_simulation_explains_and_writes_nothing(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    before = [count(jf, t) for t in ("entries", "lots", "orders", "rule_usage", "outbox")]
    view = orders.simulate_order(
        jf.uow(), jf.clock, jf.rulebooks, program, PlaceOrder("sim-1", "C-1", "250.00", (OIL,))
    )
    assert view.points == 250 + 250 + 50 + 100
    assert [count(jf, t) for t in ("entries", "lots", "orders", "rule_usage", "outbox")] == (before)


def test_a_partial_refund_takes_back_base_points_and_the_lost_threshold_bonus(
    jf: Jifen,
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "4000", "10.00")  # the week's first order, out of the way
    buy(jf, program, "C-1", "4001", "250.00", OIL)  # 250 + 50 + 100 = 400
    back = refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-1", "4001", amount="100.00")
    )
    # 150 yuan left: base 150 (-100), below 200 so -50; the new product stays bought
    assert back.points == -150 and back.meta["by_rule"] == {"base": 100, "spend-200": 50}
    again = refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-1", "4001", amount="100.00")
    )
    assert again.replayed and balances(jf, program, "C-1") == (20 + 250, 0, 0)
    with pytest.raises(InvalidInput) as err:
        refunds.refund_order(
            jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-2", "4001", amount="150.01")
        )
    assert err.value.code == "refund_exceeds_paid"
    rest = refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-3", "4001", full=True)
    )
    assert rest.points == -250  # base 150 and the new-product 100
    assert balances(jf, program, "C-1") == (20, 0, 0)
    assert_verified(jf)


def test_a_refund_never_creates_points_and_unknown_orders_are_not_found(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "5001", "30.00", EGGS)  # 30 + 30 (x2) + 50
    back = refunds.refund_order(
        jf.uow(),
        jf.clock,
        jf.rulebooks,
        program,
        RefundOrder("r-1", "5001", amount="0.00", lines=(("eggs-12", 1),)),
    )
    assert back.points == 0  # no money back: the daily special is still on the order
    with pytest.raises(NotFound):
        refunds.refund_order(
            jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-2", "nope", full=True)
        )


def test_a_new_version_applies_to_new_orders_and_refunds_use_the_old_one(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "6000", "1.00")
    buy(jf, program, "C-1", "6001", "200.00")  # v1: +50 threshold
    source = (ROOT / "programs" / "fresh-market.yaml").read_text()
    bumped = source.replace(
        'min_spend: "200.00"\n    points: 50', 'min_spend: "200.00"\n    points: 80'
    )
    assert bumped != source
    program = publish(jf, source=bumped)

    later = buy(jf, program, "C-1", "6002", "200.00")
    assert later.award.version == 2 and rules_of(later)["spend-200"] == 80
    back = refunds.refund_order(
        jf.uow(), clock, jf.rulebooks, program, RefundOrder("r-1", "6001", amount="100.00")
    )
    assert back.meta["by_rule"] == {"base": 100, "spend-200": 50}  # as v1 awarded
    assert_verified(jf)


def test_order_points_expire_twelve_months_after_the_order(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "7001", "10.00")  # 10 + 10 first of the week
    clock.advance(days=340)
    assert members.get_member(jf.uow(), clock, program, "C-1").expiring_30d == 20
    clock.advance(days=26)
    with pytest.raises(InsufficientPoints):
        ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 1), "spend-after-expiry")
    assert_verified(jf)

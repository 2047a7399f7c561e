"""Spending points on rewards and orders, on SQLite and PostgreSQL.

The fresh-market catalogue: eggs for 500 points (once a week, 2,000 in stock),
5 L of oil for 2,000 (twice a month), a nutritionist's visit for 8,000; its
cash offset is 100 points = 1 yuan on orders of 50 yuan or more. The lifestyle
brand adds a 300-point drink voucher, sneakers on a flash sale from 27
November (6,000 points + 199 yuan) and a styling session for its top tier.
The fake clock starts on Sunday 2026-03-01, noon in Shanghai.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.errors import JifenError
from jifen.domain.programs import Program
from jifen.services import ledger
from jifen.services import redemption as redemptions
from jifen.services.ledger.commands import Earn
from jifen.services.redemption import vouchers
from jifen.services.redemption.commands import (
    ConsumeVoucher,
    PayWithPoints,
    RedeemReward,
    SettleRedemption,
)
from jifen.services.redemption.views import RedemptionView
from tests.earning_fixtures import ROOT, count, join, publish
from tests.factories import FakeClock, assert_verified, balances, key


def give(jf: Jifen, program: Program, member: str, points: int) -> None:
    ledger.earn(jf.uow(), jf.clock, program, Earn(member, points), key("give"))


def redeem(
    jf: Jifen, program: Program, member: str, reward: str, k: str | None = None, **kw: object
) -> RedemptionView:
    cmd = RedeemReward(member, reward, **kw)  # type: ignore[arg-type]
    return redemptions.redeem_reward(
        jf.uow(), jf.clock, jf.rulebooks, program, cmd, k or key("redeem")
    )


def settle(jf: Jifen, program: Program, rid: int, action: str) -> RedemptionView:
    cmd = SettleRedemption(rid, action, "customer changed their mind", "ops@shop")
    return redemptions.settle_redemption(
        jf.uow(), jf.clock, jf.rulebooks, program, cmd, key(action)
    )


def stock(jf: Jifen, program: Program, reward: str) -> int | None:
    with jf.uow(write=False) as uow:
        level = uow.redemptions.stock(program.id).get(reward)
        return None if level is None else level.remaining


def error_of(call: object) -> str:
    with pytest.raises(JifenError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_eggs_once_a_week_from_a_counted_stock(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1200)

    eggs = redeem(jf, program, "C-1", "eggs")

    assert (eggs.status, eggs.points, eggs.available, eggs.vouchers) == ("completed", 500, 700, ())
    assert stock(jf, program, "eggs") == 1999
    assert error_of(lambda: redeem(jf, program, "C-1", "eggs")) == "redemption_limit_reached"
    clock.advance(days=1)  # Monday: a new week
    assert redeem(jf, program, "C-1", "eggs").available == 200
    assert stock(jf, program, "eggs") == 1998
    assert_verified(jf)


def test_each_refusal_has_its_own_code_and_writes_nothing(jf: Jifen) -> None:
    program = publish(jf, "lifestyle-brand")
    market = publish(jf)  # points pay at its tills only from 50 yuan
    for p in (program, market):
        join(jf, p, "C-1")
        give(jf, p, "C-1", 20_000)
    join(jf, program, "C-2")
    give(jf, program, "C-2", 100)
    redeem(jf, program, "C-1", "free-drink")
    tables = ("entries", "lots", "redemptions", "vouchers", "holds", "outbox", "reward_stock")
    before = {t: count(jf, t) for t in tables}
    money = balances(jf, program, "C-1"), balances(jf, market, "C-1")

    refusals = {
        "insufficient_points": lambda: redeem(jf, program, "C-2", "free-drink"),
        "reward_not_available": lambda: redeem(jf, program, "C-1", "limited-sneakers"),
        "tier_too_low": lambda: redeem(jf, program, "C-1", "styling-session"),
        "reward_not_found": lambda: redeem(jf, program, "C-1", "no-such-thing"),
        "order_below_offset_minimum": lambda: redemptions.pay_with_points(
            jf.uow(), jf.clock, jf.rulebooks, market, PayWithPoints("C-1", "t", "49.99"), key()
        ),
    }
    assert {code: error_of(call) for code, call in refusals.items()} == {
        code: code for code in refusals
    }
    assert {t: count(jf, t) for t in tables} == before
    assert (balances(jf, program, "C-1"), balances(jf, market, "C-1")) == money
    assert_verified(jf)


def test_a_per_member_limit_counts_what_was_redeemed_not_what_was_refused(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 10_000)
    redeem(jf, program, "C-1", "cooking-oil-5l", quantity=2)  # twice a month
    entries = count(jf, "entries")
    assert error_of(lambda: redeem(jf, program, "C-1", "cooking-oil-5l")) == (
        "redemption_limit_reached"
    )
    assert count(jf, "entries") == entries
    assert balances(jf, program, "C-1") == (6000, 0, 0)


def test_a_voucher_is_issued_used_once_and_refused_after(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    drink = redeem(jf, program, "C-1", "free-drink")
    (voucher,) = drink.vouchers
    assert voucher.status == "issued" and len(voucher.code) == 19
    assert voucher.expires_at == clock.now() + timedelta(days=30)

    def use(code: str, k: str) -> str:
        cmd = ConsumeVoucher(code, "till-7")
        return vouchers.consume_voucher(jf.uow(), jf.clock, program, cmd, k).status

    typed = voucher.code.lower().replace("-", " ")  # as a cashier might type it
    assert use(typed, "till-7-a") == "consumed"
    assert use(typed, "till-7-a") == "consumed"  # the retry replays
    assert error_of(lambda: use(voucher.code, "till-7-b")) == "voucher_already_used"
    assert error_of(lambda: use("0000-0000-0000-0000", "till-7-c")) == "voucher_not_found"
    assert error_of(lambda: use("not a code", "till-7-d")) == "voucher_not_found"
    second = redeem(jf, program, "C-1", "free-drink").vouchers[0]
    assert second.code != voucher.code
    clock.advance(days=30)
    assert error_of(lambda: use(second.code, "till-7-e")) == "voucher_expired"
    assert_verified(jf)


def test_a_held_redemption_reserves_points_and_stock_until_captured_or_released(
    jf: Jifen,
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 10_000)

    held = redeem(jf, program, "C-1", "nutritionist-visit", hold=True)
    assert (held.status, held.available, held.held) == ("held", 2000, 8000)
    assert stock(jf, program, "nutritionist-visit") == 39
    released = settle(jf, program, held.id, "release")
    assert (released.status, released.available, released.held) == ("released", 10_000, 0)
    assert stock(jf, program, "nutritionist-visit") == 40
    assert error_of(lambda: settle(jf, program, held.id, "capture")) == "redemption_not_held"

    again = redeem(jf, program, "C-1", "nutritionist-visit", hold=True)
    done = settle(jf, program, again.id, "capture")
    assert (done.status, done.available, done.held) == ("completed", 2000, 0)
    assert stock(jf, program, "nutritionist-visit") == 39
    assert_verified(jf)


def test_cancelling_gives_points_and_stock_back_unless_the_voucher_was_used(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    first = redeem(jf, program, "C-1", "free-drink")
    second = redeem(jf, program, "C-1", "free-drink")
    assert balances(jf, program, "C-1") == (400, 0, 0)

    cancelled = settle(jf, program, first.id, "cancel")
    assert (cancelled.status, cancelled.available) == ("cancelled", 700)
    assert [v.status for v in cancelled.vouchers] == ["cancelled"]
    assert error_of(lambda: settle(jf, program, first.id, "cancel")) == (
        "redemption_not_cancellable"
    )
    vouchers.consume_voucher(
        jf.uow(), jf.clock, program, ConsumeVoucher(second.vouchers[0].code), key("use")
    )
    assert error_of(lambda: settle(jf, program, second.id, "cancel")) == (
        "redemption_not_cancellable"
    )
    third = redeem(jf, program, "C-1", "free-drink")
    clock.advance(days=31)  # past the programme's 30 days
    assert error_of(lambda: settle(jf, program, third.id, "cancel")) == (
        "redemption_not_cancellable"
    )
    assert_verified(jf)


def test_points_pay_for_part_of_an_order_held_until_it_is_paid(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 3456)

    quote = redemptions.quote_offset(
        jf.uow(write=False), jf.clock, jf.rulebooks, program, "C-1", "120.00"
    )
    # 100 points = 1 yuan: 3,456 points buy 34.56 yuan of a 120-yuan order
    assert (quote.points, quote.discount, quote.payable) == (3456, 3456, 8544)

    def pay(order: str, k: str) -> RedemptionView:
        cmd = PayWithPoints("C-1", order, "120.00", points=2000)
        return redemptions.pay_with_points(jf.uow(), jf.clock, jf.rulebooks, program, cmd, k)

    held = pay("till-9", "pay-9")
    assert (held.status, held.points, held.cash, held.held) == ("held", 2000, 2000, 2000)
    assert pay("till-9", "pay-9").id == held.id  # a retried request: the same hold
    paid = settle(jf, program, held.id, "capture")
    assert (paid.status, paid.available, paid.held) == ("completed", 1456, 0)
    refunded = settle(jf, program, held.id, "cancel")  # the order was cancelled after payment
    assert (refunded.status, refunded.available) == ("cancelled", 3456)
    assert_verified(jf)


def test_a_hold_that_ends_gives_its_stock_back(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    held = redeem(jf, program, "C-1", "eggs", hold=True, ttl_seconds=600)
    assert stock(jf, program, "eggs") == 1999
    assert redemptions.lapse_held(jf.uow, jf.clock, program) == 0  # not yet
    clock.advance(seconds=601)

    assert redemptions.lapse_held(jf.uow, jf.clock, program) == 1

    view = redemptions.get_redemption(jf.uow(write=False), program, held.id)
    assert (view.status, view.available, view.held) == ("expired", 1000, 0)
    assert stock(jf, program, "eggs") == 2000
    assert redeem(jf, program, "C-1", "eggs").status == "completed"  # the limit freed too
    assert_verified(jf)


def test_a_redemption_made_without_a_stock_gives_none_back(jf: Jifen) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program = publish(jf, source=source.replace("      stock: 2000\n", ""))  # eggs: unlimited
    for m in ("C-1", "C-2"):
        join(jf, program, m)
        give(jf, program, m, 1000)
    unlimited = redeem(jf, program, "C-1", "eggs")
    publish(jf, source=source)  # eggs counted from now: 2,000
    redeem(jf, program, "C-2", "eggs")

    settle(jf, program, unlimited.id, "cancel")

    assert stock(jf, program, "eggs") == 1999  # C-2's box is still gone from the shelf
    assert_verified(jf)

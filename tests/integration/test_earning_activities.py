"""Activities, streaks, referrals and campaign budgets, with worked numbers."""

from __future__ import annotations

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.errors import InvalidInput
from jifen.domain.programs import Program
from jifen.services.earning import activities, refunds
from jifen.services.earning.commands import RecordActivity, RefundOrder
from jifen.services.earning.views import EarnResult
from tests.earning_fixtures import ROOT, buy, count, join, line, publish
from tests.factories import FakeClock, assert_verified, balances, key


def act(jf: Jifen, program: Program, member: str, kind: str, **payload: object) -> EarnResult:
    return activities.record_activity(
        jf.uow(),
        jf.clock,
        jf.rulebooks,
        program,
        RecordActivity(member, kind, dict(payload)),
        key("act"),
    )


def test_sign_up_and_profile_pay_once(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    assert act(jf, program, "C-1", "sign_up").points == 100
    assert act(jf, program, "C-1", "profile_completed").points == 20
    again = act(jf, program, "C-1", "sign_up")
    assert again.points == 0 and again.award.skipped[0].reason == "cap_reached"
    assert balances(jf, program, "C-1") == (120, 0, 0)


def test_a_neighbour_referral_pays_300_to_each_side_once(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    friend = act(jf, program, "C-2", "referral_signed_up", referrer="C-1")
    assert friend.points == 0 and balances(jf, program, "C-1") == (0, 0, 0)
    converted = buy(jf, program, "C-2", "n-1", "20.00", line("tea", 2, "10.00"))
    assert converted.meta["referral"]["points"] == 300
    assert balances(jf, program, "C-1") == (0, 300, 0)  # pending: the return window
    buy(jf, program, "C-2", "n-2", "20.00", line("tea", 2, "10.00"))  # paid once
    assert balances(jf, program, "C-1") == (0, 300, 0)
    assert_verified(jf)


def test_activity_payloads_are_checked_against_their_type(jf: Jifen) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    with pytest.raises(InvalidInput) as err:
        act(jf, program, "C-1", "social_share", platform="weibo")
    assert err.value.params["field"] == "payload.url"
    with pytest.raises(InvalidInput) as err:
        act(jf, program, "C-1", "dance")
    assert err.value.code == "unknown_activity_type"
    with pytest.raises(InvalidInput) as err:
        act(jf, program, "C-1", "referral_signed_up", referrer="C-1")
    assert err.value.code == "referrer_not_found"


def test_one_rewarded_share_a_day(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    share = {"platform": "weibo", "url": "https://example.com/p/1"}
    assert act(jf, program, "C-1", "social_share", **share).points == 50
    assert act(jf, program, "C-1", "social_share", **share).points == 0
    clock.advance(days=1)
    assert act(jf, program, "C-1", "social_share", **share).points == 50


def test_seven_days_of_check_ins_in_a_row_pay_the_streak(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    earned = []
    for _ in range(7):
        earned.append(act(jf, program, "C-1", "check_in").points)
        clock.advance(days=1)
    assert earned == [5, 5, 5, 5, 5, 5, 75]
    assert act(jf, program, "C-1", "check_in").points == 5  # day 8: a new run
    clock.advance(days=2)  # a day missed
    assert act(jf, program, "C-1", "check_in").points == 5
    assert act(jf, program, "C-1", "check_in").points == 0  # twice the same day


def test_a_campaign_budget_is_never_overspent_and_refunds_return_it(
    jf: Jifen, clock: FakeClock
) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text()
    small = source.replace("budget: 500000", "budget: 150")
    assert small != source
    program = publish(jf, source=small)
    clock.advance(days=3)  # Wednesday: the vegetable day
    for n in (1, 2, 3):
        join(jf, program, f"V-{n}", segment="vegetable_lover")
    veg = line("bok-choy", 1, "100.00", "vegetables")
    first = buy(jf, program, "V-1", "v1", "100.00", veg)
    second = buy(jf, program, "V-2", "v2", "100.00", veg)
    third = buy(jf, program, "V-3", "v3", "100.00", veg)
    got = [r.award.lines for r in (first, second, third)]
    doubles = [sum(x.points for x in lines if x.rule_id == "vegetable-double") for lines in got]
    assert doubles == [100, 50, 0]
    assert {s.reason for s in third.award.skipped} >= {"budget_exhausted"}
    refunds.refund_order(
        jf.uow(), clock, jf.rulebooks, program, RefundOrder("rv1", "v1", full=True)
    )
    join(jf, program, "V-4", segment="vegetable_lover")
    fourth = buy(jf, program, "V-4", "v4", "100.00", veg)
    assert {x.rule_id: x.points for x in fourth.award.lines}["vegetable-double"] == 100
    assert_verified(jf)


def test_an_order_whose_points_already_expired_takes_no_budget(jf: Jifen, clock: FakeClock) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text()
    old = source.replace("starts: 2026-01-01T00:00:00", "starts: 2024-01-01T00:00:00")
    assert old != source
    program = publish(jf, source=old.replace("weekdays: [3]", "weekdays: [1, 2, 3, 4, 5, 6, 7]"))
    join(jf, program, "V-1", segment="vegetable_lover")
    long_ago = clock.now().replace(year=2025, month=1)  # legacy: 12-month expiry has passed
    result = buy(
        jf,
        program,
        "V-1",
        "legacy-1",
        "100.00",
        line("bok-choy", 1, "100.00", "vegetables"),
        at=long_ago,
    )
    assert result.points == 0 and result.entry_ids == ()
    assert {s.reason for s in result.award.skipped} >= {"already_expired"}

    assert count(jf, "campaign_spend") == 0
    assert balances(jf, program, "V-1") == (0, 0, 0)
    assert_verified(jf)

"""The lifestyle-brand example (loyalty-strategies), pinned with worked numbers.

The fake clock starts on Sunday 2026-03-01, noon in Shanghai; the double-points
week runs 2026-12-07 to 2026-12-14. Multipliers stack by multiplying.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.errors import Conflict
from jifen.domain.programs import Program
from jifen.services import ledger
from jifen.services.earning import activities, refunds
from jifen.services.earning.commands import RecordActivity, RefundOrder
from jifen.services.ledger.commands import Redeem
from tests.earning_fixtures import buy, join, publish, set_tier
from tests.factories import FakeClock, assert_verified, balances, key


def test_advanced_tier_earns_one_and_a_half_times(jf: Jifen) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    set_tier(jf, program, "C-1", "advanced")
    result = buy(jf, program, "C-1", "L-1", "101.00")
    assert {x.rule_id: x.points for x in result.award.lines} == {"base": 101, "tier:advanced": 50}


def test_high_value_members_double_and_the_tier_multiplies_on_top(jf: Jifen) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1", segment="high_value")
    set_tier(jf, program, "C-1", "advanced")
    result = buy(jf, program, "C-1", "L-2", "100.00")
    # multiply: 100 x2 = 200, then x1.5 = 300; the double earns 100, the tier 100
    assert {x.rule_id: x.points for x in result.award.lines} == {
        "base": 100,
        "high-value-double": 100,
        "tier:advanced": 100,
    }


def test_the_double_points_week_doubles_only_inside_its_week(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    before = buy(jf, program, "C-1", "L-3", "80.00")
    assert before.points == 80
    clock.set(datetime(2026, 12, 8, 4, 0, tzinfo=UTC))  # Tuesday of the week
    during = buy(jf, program, "C-1", "L-4", "80.00")
    assert {x.rule_id: x.points for x in during.award.lines} == {"base": 80, "double-week": 80}
    clock.set(datetime(2026, 12, 14, 4, 0, tzinfo=UTC))  # the week is over
    after = buy(jf, program, "C-1", "L-5", "80.00")
    assert after.points == 80
    assert {s.reason for s in after.award.skipped} == {"campaign_not_running", "condition_false"}


def test_inviting_a_friend_pays_100_to_each_once(jf: Jifen) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    invited = _act(jf, program, "C-2", "referral_signed_up", referrer="C-1")
    assert invited.points == 100
    assert balances(jf, program, "C-1") == (100, 0, 0)
    with pytest.raises(Conflict):  # one referrer per referee, ever
        _act(jf, program, "C-2", "referral_signed_up", referrer="C-1")
    assert balances(jf, program, "C-1") == (100, 0, 0)


def test_the_survey_wins_back_quiet_members_once_a_month(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "L-6", "20.00")
    clock.advance(days=30)
    assert _act(jf, program, "C-1", "survey_completed", survey_id="s1").points == 0
    clock.advance(days=31)  # 61 days since the last order
    assert _act(jf, program, "C-1", "survey_completed", survey_id="s2").points == 30
    assert _act(jf, program, "C-1", "survey_completed", survey_id="s3").points == 0


def test_a_clawback_of_spent_points_becomes_a_debt_repaid_by_the_next_order(
    jf: Jifen,
) -> None:
    program = publish(jf, "lifestyle-brand")  # negative_balance: allow
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "L-7", "200.00")
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 150), key())
    back = refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("rL7", "L-7", full=True)
    )
    assert back.points == -200 and back.available == -150
    buy(jf, program, "C-1", "L-8", "100.00")
    assert balances(jf, program, "C-1") == (-50, 0, 0)
    assert_verified(jf)


def _act(jf: Jifen, program: Program, member: str, kind: str, **payload: object):  # type: ignore[no-untyped-def]
    return activities.record_activity(
        jf.uow(),
        jf.clock,
        jf.rulebooks,
        program,
        RecordActivity(member, kind, dict(payload)),
        key("act"),
    )

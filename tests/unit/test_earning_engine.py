"""The earning engine with worked numbers: every point explained."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jifen.domain.earning import (
    Cap,
    ConditionError,
    Context,
    EarningProgram,
    ExpiryPolicy,
    Match,
    Order,
    OrderLine,
    Period,
    Rule,
    RuleKind,
    Skip,
    Stacking,
    TierEarning,
    Usage,
    Window,
    evaluate_activity,
    evaluate_order,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class When:
    """A condition written in Python for these tests (the CEL compiler has its own)."""

    source: str

    def __call__(self, activation: Mapping[str, Any]) -> bool:
        return bool(eval(self.source, {}, dict(activation)))


def program(*rules: Rule, stacking: Stacking = Stacking.ADD, **kw: Any) -> EarningProgram:
    return EarningProgram(
        version=1, timezone="Asia/Shanghai", currency="CNY", rules=rules, stacking=stacking, **kw
    )


def order(paid: int, *lines: OrderLine) -> Order:
    return Order("o-1", "C-1", MONDAY_NOON, paid, lines)


def ctx(**kw: Any) -> Context:
    return Context(now=MONDAY_NOON, member=kw.pop("member", {"first_order_this_week": True}), **kw)


EGGS = OrderLine("eggs", 2, 1500, "dairy", frozenset({"daily_special"}))
OIL = OrderLine("oil-5l", 1, 8000, "grocery", frozenset({"new"}))


def test_one_point_per_yuan_paid_rounds_down() -> None:
    award = evaluate_order(program(), order(12399), ctx())  # 123.99 yuan
    assert award.total == 123
    assert [(x.rule_id, x.points) for x in award.lines] == [("base", 123)]


def test_threshold_bonus_needs_the_spend_and_the_higher_threshold_wins_its_group() -> None:
    rules = (
        Rule(
            "spend-300", RuleKind.THRESHOLD, points=100, min_spend=30000, group="spend", priority=2
        ),
        Rule(
            "spend-200", RuleKind.THRESHOLD, points=50, min_spend=20000, group="spend", priority=1
        ),
    )
    assert evaluate_order(program(*rules), order(25000), ctx()).total == 250 + 50
    big = evaluate_order(program(*rules), order(31000), ctx())
    assert big.total == 310 + 100
    assert [(s.rule_id, s.reason) for s in big.skipped] == [("spend-200", Skip.GROUP_TAKEN)]
    small = evaluate_order(program(*rules), order(19999), ctx())
    assert small.total == 199
    assert {s.reason for s in small.skipped} == {Skip.BELOW_THRESHOLD}


def test_first_purchase_of_the_week_doubles_and_gold_triples_additively() -> None:
    double = Rule(
        "first-of-week",
        RuleKind.MULTIPLIER,
        factor=Decimal(2),
        when=When("member['first_order_this_week']"),
    )
    gold = {"gold": TierEarning("gold", {"en": "Gold"}, Decimal(3))}
    award = evaluate_order(program(double, tiers=gold), order(10000), ctx(tier="gold"))
    # base 100, x2 adds 100, x3 adds 200: 400 (x4)
    assert [(x.rule_id, x.points) for x in award.lines] == [
        ("base", 100),
        ("first-of-week", 100),
        ("tier:gold", 200),
    ]
    multiplied = evaluate_order(
        program(double, tiers=gold, stacking=Stacking.MULTIPLY), order(10000), ctx(tier="gold")
    )
    assert multiplied.total == 600
    best = evaluate_order(
        program(double, tiers=gold, stacking=Stacking.MAX), order(10000), ctx(tier="gold")
    )
    assert best.total == 300 and best.points_of("first-of-week") == 0
    later = evaluate_order(
        program(double), order(10000), ctx(member={"first_order_this_week": False})
    )
    assert later.total == 100
    assert later.skipped[0].reason is Skip.CONDITION_FALSE


def test_product_bonuses_per_unit_per_line_and_per_order() -> None:
    per_order = Rule(
        "daily-special", RuleKind.PRODUCT, points=50, match=Match(tags=frozenset({"daily_special"}))
    )
    per_unit = Rule(
        "eggs-unit", RuleKind.PRODUCT, points=5, per="unit", match=Match(skus=frozenset({"eggs"}))
    )
    new = Rule("new-product", RuleKind.PRODUCT, points=100, match=Match(tags=frozenset({"new"})))
    award = evaluate_order(program(per_order, per_unit, new), order(11000, EGGS, OIL), ctx())
    assert [(x.rule_id, x.points) for x in award.lines] == [
        ("base", 110),
        ("daily-special", 50),
        ("eggs-unit", 10),
        ("new-product", 100),
    ]


def test_a_category_multiplier_applies_only_to_its_lines() -> None:
    veg_day = Rule(
        "dairy-double",
        RuleKind.MULTIPLIER,
        factor=Decimal(2),
        match=Match(categories=frozenset({"dairy"})),
    )
    award = evaluate_order(program(veg_day), order(11000, EGGS, OIL), ctx())
    # 110 paid points split 30 (eggs) / 80 (oil); only the eggs' 30 double
    assert award.points_of("dairy-double") == 30


def test_rules_outside_their_window_do_not_fire() -> None:
    morning = Rule(
        "early-bird",
        RuleKind.BONUS,
        points=20,
        window=Window(weekdays=frozenset({1, 2, 3, 4, 5}), hours=(time(7), time(10))),
    )
    award = evaluate_order(program(morning), order(5000), ctx())
    assert award.total == 50 and award.skipped[0].reason is Skip.OUTSIDE_WINDOW


def test_caps_limit_points_per_period() -> None:
    share = Rule(
        "share",
        RuleKind.ACTIVITY,
        activity="social_share",
        points=50,
        caps=(Cap(Period.DAY, max_times=1),),
    )
    first = evaluate_activity(program(share), "social_share", {}, ctx())
    assert first.total == 50 and first.usage == (("share", "day:2026-03-02", 50),)
    used = {("share", "day:2026-03-02"): Usage(50, 1)}
    second = evaluate_activity(program(share), "social_share", {}, ctx(usage=used))
    assert second.total == 0 and second.skipped[0].reason is Skip.CAP_REACHED
    monthly = Rule("bonus", RuleKind.BONUS, points=80, caps=(Cap(Period.MONTH, max_points=100),))
    capped = evaluate_order(
        program(monthly), order(0), ctx(usage={("bonus", "month:2026-03"): Usage(60, 1)})
    )
    assert capped.points_of("bonus") == 40 and capped.lines[-1].detail["capped_from"] == 80


def test_a_seven_day_check_in_streak_pays_on_the_seventh_day() -> None:
    streak = Rule("week-streak", RuleKind.STREAK, activity="check_in", points=70, days=7)
    assert (
        evaluate_activity(program(streak), "check_in", {}, ctx(streaks={"week-streak": 6})).total
        == 0
    )
    assert (
        evaluate_activity(program(streak), "check_in", {}, ctx(streaks={"week-streak": 7})).total
        == 70
    )
    assert (
        evaluate_activity(program(streak), "check_in", {}, ctx(streaks={"week-streak": 14})).total
        == 70
    )


def test_a_referral_pays_both_sides_once() -> None:
    referral = Rule(
        "referral",
        RuleKind.REFERRAL,
        activity="referral_converted",
        points=300,
        referrer_points=300,
        caps=(Cap(Period.LIFETIME, max_times=1),),
    )
    payload = {"referrer": "C-9"}
    award = evaluate_activity(program(referral), "referral_converted", payload, ctx())
    assert award.total == 300
    assert [(x.beneficiary, x.points) for x in award.lines] == [("member", 300), ("referrer", 300)]
    used = {("referral", "lifetime"): Usage(300, 1)}
    again = evaluate_activity(program(referral), "referral_converted", payload, ctx(usage=used))
    assert again.lines == ()  # a capped referral pays nobody, the referrer included


def test_a_referrer_only_reward_respects_its_cap() -> None:
    joined = Rule(
        "friend-joined",
        RuleKind.REFERRAL,
        activity="referral_signed_up",
        referrer_points=200,
        caps=(Cap(Period.LIFETIME, max_times=1),),
    )
    first = evaluate_activity(program(joined), "referral_signed_up", {"referrer": "C-9"}, ctx())
    assert first.total == 0 and [(x.beneficiary, x.points) for x in first.lines] == [
        ("referrer", 200)
    ]
    used = {("friend-joined", "lifetime"): Usage(200, 1)}
    again = evaluate_activity(
        program(joined), "referral_signed_up", {"referrer": "C-9"}, ctx(usage=used)
    )
    assert again.lines == () and again.skipped[0].reason is Skip.CAP_REACHED


def test_expiry_is_computed_in_the_programme_timezone() -> None:
    earned = datetime(2026, 1, 31, 17, 0, tzinfo=ZoneInfo("UTC"))  # Feb 1st, 01:00 Shanghai
    assert ExpiryPolicy(12).expires_at(earned, SHANGHAI) == datetime(
        2027, 2, 1, 1, 0, tzinfo=SHANGHAI
    )
    assert ExpiryPolicy(12, "month").expires_at(earned, SHANGHAI) == datetime(
        2027, 3, 1, tzinfo=SHANGHAI
    )
    assert ExpiryPolicy(1, "quarter").expires_at(earned, SHANGHAI) == datetime(
        2026, 4, 1, tzinfo=SHANGHAI
    )
    assert ExpiryPolicy(12, "year").expires_at(earned, SHANGHAI) == datetime(
        2028, 1, 1, tzinfo=SHANGHAI
    )
    assert ExpiryPolicy(None).expires_at(earned, SHANGHAI) is None


@dataclass(frozen=True)
class Fails:
    """A condition that fails to evaluate on every order, as a broken CEL one does."""

    source: str = "member.level > 3"

    def __call__(self, activation: Mapping[str, Any]) -> ConditionError:
        return ConditionError("no such overload: _>_(string, int)", "wrong_types", "> ...")


def test_a_condition_that_fails_is_explained_as_an_error_and_the_order_keeps_its_points() -> None:
    broken = Rule("level-bonus", RuleKind.BONUS, points=30, when=Fails())
    false = Rule("big-spender", RuleKind.BONUS, points=20, when=When("False"))
    fine = Rule("everyone", RuleKind.BONUS, points=10)
    award = evaluate_order(program(broken, false, fine), order(10000), ctx())
    assert award.total == 100 + 10
    reasons = {s.rule_id: (s.reason, s.detail) for s in award.skipped}
    reason, detail = reasons["level-bonus"]
    assert reason is Skip.CONDITION_ERROR == "condition_error"
    assert detail["error"] == "no such overload: _>_(string, int)"
    assert detail["problem"] == "wrong_types" and detail["condition"] == "member.level > 3"
    assert reasons["big-spender"][0] is Skip.CONDITION_FALSE
    assert [s.rule_id for s in award.condition_errors] == ["level-bonus"]

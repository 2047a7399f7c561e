"""Tier qualification, review, floors and progress, with the seeds' numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.adapters.programfile import ProgramFileError
from jifen.adapters.programfile.loader import read_program_definition
from jifen.domain.tiers import (
    AllOf,
    AnyOf,
    Criteria,
    Gap,
    Metric,
    Reason,
    Stats,
    Threshold,
    TierPolicy,
    TierState,
    Window,
    WindowKind,
    add_months,
)

ROOT = Path(__file__).resolve().parents[2]
FRESH = read_program_definition(ROOT / "programs" / "fresh-market.yaml").tiers
LIFESTYLE = read_program_definition(ROOT / "programs" / "lifestyle-brand.yaml").tiers
NOW = datetime(2026, 11, 23, 4, tzinfo=UTC)
YUAN = 100


def test_months_are_calendar_arithmetic() -> None:
    assert add_months(202611, 2) == 202701
    assert add_months(202601, -1) == 202512
    assert add_months(202612, -12) == 202512
    assert add_months(202603, 24) == 202803


def test_windows_count_whole_months_and_restart_after_a_demotion() -> None:
    assert Window(WindowKind.LIFETIME).span(202611) == (None, 202611)
    assert Window(WindowKind.CALENDAR_YEAR).span(202611) == (202601, 202611)
    assert Window(WindowKind.ROLLING, 12).span(202611) == (202512, 202611)
    assert Window(WindowKind.LIFETIME).span(202611, counted_from=202601) == (202601, 202611)
    assert Window(WindowKind.ROLLING, 3).span(202611, counted_from=202601) == (202609, 202611)


def test_fresh_market_qualification_is_spend_or_points() -> None:
    assert FRESH.qualified(Stats(spend=999 * YUAN, points=4999)).code == "regular"
    assert FRESH.qualified(Stats(spend=1000 * YUAN)).code == "silver"
    assert FRESH.qualified(Stats(points=5000)).code == "silver"
    assert FRESH.qualified(Stats(spend=3200 * YUAN, points=20000)).code == "gold"
    assert FRESH.qualified(Stats(spend=19999 * YUAN, points=79999)).code == "gold"
    assert FRESH.qualified(Stats(spend=20000 * YUAN)).code == "diamond"
    assert FRESH.qualified(Stats(points=80000)).code == "diamond"
    diamond = FRESH.level("diamond")
    assert (diamond.multiplier, diamond.points_never_expire) == (5, True)


def test_an_upgrade_records_when_and_schedules_the_yearly_review() -> None:
    state = TierState(earned="regular")
    decision = FRESH.upgrade(state, Stats(spend=1200 * YUAN), NOW, 202611)
    assert decision is not None
    assert decision.reason is Reason.QUALIFIED
    assert decision.state.earned == "silver"
    assert decision.state.since == NOW
    assert decision.state.review_month == 202701  # 保级 on 1 January, over 2026
    # Enough for silver again changes nothing; never a downgrade on activity.
    assert FRESH.upgrade(decision.state, Stats(spend=1300 * YUAN), NOW, 202611) is None
    assert FRESH.upgrade(replace(state, earned="gold"), Stats(), NOW, 202611) is None


def test_gold_needs_3000_yuan_a_year_or_steps_down_one() -> None:
    gold = TierState(earned="gold", since=NOW, review_month=202701)
    assert FRESH.review.window(202701, at_risk=False) == (202601, 202612)
    kept = FRESH.on_review(gold, Stats(spend=3000 * YUAN), NOW, 202701)
    assert (kept.reason, kept.state.earned, kept.state.review_month) == (
        Reason.RETAINED,
        "gold",
        202801,
    )
    lost = FRESH.on_review(gold, Stats(spend=2999 * YUAN, points=90000), NOW, 202701)
    assert (lost.reason, lost.state.earned) == (Reason.DEMOTED, "silver")
    assert lost.state.counted_from == 202701  # lifetime totals count afresh
    assert lost.state.review_month == 202801


def test_requalify_drops_to_the_level_still_met_after_a_months_grace() -> None:
    # lifestyle: advanced needs 5000 points a year; one month's grace; requalify.
    adv = TierState(earned="advanced", review_month=202701)
    risk = LIFESTYLE.on_review(adv, Stats(points=4000), NOW, 202701)
    assert (risk.reason, risk.state.at_risk, risk.state.review_month) == (
        Reason.AT_RISK,
        True,
        202702,
    )
    assert LIFESTYLE.review.window(202702, at_risk=True) == (202601, 202701)  # year + January
    down = LIFESTYLE.on_review(risk.state, Stats(points=4500), NOW, 202702)
    assert (down.reason, down.state.earned) == (Reason.DEMOTED, "intermediate")
    gone = LIFESTYLE.on_review(risk.state, Stats(points=200), NOW, 202702)
    assert gone.state.earned == "basic"
    assert gone.state.review_month is None  # nothing to keep at the entry level


def test_a_member_at_risk_who_earns_enough_in_grace_is_safe_until_next_year() -> None:
    risk = TierState(earned="advanced", review_month=202702, at_risk=True)
    assert LIFESTYLE.recover(risk, Stats(points=4999)) is None
    safe = LIFESTYLE.recover(risk, Stats(points=5000))
    assert safe is not None
    assert (safe.reason, safe.state.at_risk, safe.state.review_month) == (
        Reason.RETAINED,
        False,
        202801,
    )
    assert LIFESTYLE.recover(replace(risk, at_risk=False), Stats(points=9000)) is None


def test_a_floor_lifts_the_tier_until_its_end() -> None:
    until = datetime(2027, 1, 1, tzinfo=UTC)
    state = TierState(earned="silver", floor="gold", floor_until=until)
    assert FRESH.effective(state, NOW).code == "gold"
    assert FRESH.effective(state, until).code == "silver"
    assert FRESH.effective(replace(state, floor="regular"), NOW).code == "silver"
    assert FRESH.effective(TierState(), NOW).code == "regular"


def test_progress_says_what_is_missing_for_the_next_tier() -> None:
    state = TierState(earned="silver", review_month=202701)
    p = FRESH.progress(state, NOW, Stats(spend=4680 * YUAN, points=9000), Stats(spend=2000 * YUAN))
    assert p.current.code == "silver"
    assert p.next is not None and p.next.code == "gold"
    # "spend 320.00 yuan more or earn 11,000 points to reach Gold"
    assert p.routes == (
        (Gap(Metric.SPEND, 468000, 500000),),
        (Gap(Metric.POINTS, 9000, 20000),),
    )
    assert p.routes[0][0].missing == 32000
    assert p.close  # 4680 of 5000 yuan is within 10%
    assert p.retain_routes == ((),)  # 2000 of the 1000 yuan silver needs a year
    far = FRESH.progress(state, NOW, Stats(spend=4000 * YUAN), Stats())
    assert not far.close
    gold = FRESH.progress(TierState(earned="gold"), NOW, Stats(), Stats(spend=100 * YUAN))
    assert gold.next is not None and gold.next.code == "diamond"
    assert gold.retain_routes == ((Gap(Metric.SPEND, 10000, 300000),),)
    top = FRESH.progress(TierState(earned="diamond"), NOW, Stats(), Stats(spend=100 * YUAN))
    assert top.next is None and top.routes == ()
    assert top.retain_routes == ((Gap(Metric.SPEND, 10000, 1000000),),)


def test_spend_or_points_and_six_purchases_combines_into_routes() -> None:
    c = AllOf(
        (
            AnyOf((Threshold(Metric.SPEND, 500000), Threshold(Metric.POINTS, 20000))),
            Threshold(Metric.ORDERS, 6),
        )
    )
    s = Stats(spend=510000, points=100, orders=4)
    assert not c.met(s)
    assert c.routes(s) == ((Gap(Metric.ORDERS, 4, 6),),)  # spend is done: two purchases
    s = Stats(spend=100000, points=100, orders=2)
    assert c.routes(s) == (
        (Gap(Metric.SPEND, 100000, 500000), Gap(Metric.ORDERS, 2, 6)),
        (Gap(Metric.POINTS, 100, 20000), Gap(Metric.ORDERS, 2, 6)),
    )


metrics = st.sampled_from(list(Metric))
thresholds = st.builds(Threshold, metrics, st.integers(1, 1000))
criteria: st.SearchStrategy[Criteria] = st.recursive(
    thresholds,
    lambda inner: st.one_of(
        st.builds(AllOf, st.lists(inner, min_size=1, max_size=3).map(tuple)),
        st.builds(AnyOf, st.lists(inner, min_size=1, max_size=3).map(tuple)),
    ),
    max_leaves=6,
)
stats = st.builds(Stats, st.integers(0, 1200), st.integers(0, 1200), st.integers(0, 1200))


@given(criteria, stats)
def test_routes_agree_with_met_and_closing_any_route_meets_the_criteria(
    c: Criteria, s: Stats
) -> None:
    routes = c.routes(s)
    assert (routes == ((),)) == c.met(s)
    for route in routes:
        topped = s
        for gap in route:
            assert gap.have == s.of(gap.metric) and gap.missing > 0
            topped = replace(topped, **{gap.metric.value: gap.need})
        assert c.met(topped)


def test_the_entry_level_cannot_have_qualification(tmp_path: Path) -> None:
    text = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    name: {zh-CN: 普通会员, en: Member}\n",
        "    name: {zh-CN: 普通会员, en: Member}\n    qualify: {orders: 1}\n",
    )
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgramFileError, match=r"tiers\.0\.qualify: the first tier"):
        read_program_definition(path)


def test_empty_criteria_and_never_expire_with_months_are_refused(tmp_path: Path) -> None:
    base = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    for old, new, field in [
        ('retain: {spend: "3000.00"}', "retain: {}", "tiers.2.retain"),
        (
            "multiplier: 3 ",
            "multiplier: 3\n    points_never_expire: true\n    expiry_months: 24\n    #",
            "tiers.2.expiry_months",
        ),
    ]:
        assert old in base
        path = tmp_path / "p.yaml"
        path.write_text(base.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(ProgramFileError, match=field.replace(".", r"\.")):
            read_program_definition(path)


def test_no_tiers_is_a_valid_policy() -> None:
    assert not TierPolicy()

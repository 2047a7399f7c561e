"""Challenges, pure: what an order adds, the run of periods in a row (against a brute
force), what a refund takes away; and the programme file's challenges checked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.adapters.programfile import ProgramFileError, compile_program
from jifen.adapters.programfile.loader import ConditionsMistyped
from jifen.domain.challenges import (
    Challenge,
    Counts,
    bucket_of,
    contribution,
    current_run,
    longest_run,
    measure,
    take_away,
)
from jifen.domain.earning import Match, Order, OrderLine, Period

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def order(paid: int, *lines: OrderLine) -> Order:
    return Order("o", "m", NOW, paid, lines)


VEG = OrderLine("bok", 2, 1000, "vegetables")
NEW = OrderLine("kiwi", 1, 500, "fruit", frozenset({"new"}))


def test_what_an_order_adds_by_what_the_challenge_counts() -> None:
    veg = Match(categories=frozenset({"vegetables"}))
    o = order(2500, VEG, NEW)
    assert contribution(Challenge("c", {}, Counts.ORDERS, 1, match=veg), o, NOW) == {"": 1}
    assert contribution(Challenge("c", {}, Counts.SPEND, 1), o, NOW) == {"": 2500}
    # the matching lines' share of what was paid: 2000 of 2500 over lines of 2000 and 500
    assert contribution(Challenge("c", {}, Counts.SPEND, 1, match=veg), o, NOW) == {"": 2000}
    assert contribution(Challenge("c", {}, Counts.UNITS, 1, match=veg), o, NOW) == {"": 2}
    new = Match(tags=frozenset({"new"}))
    assert contribution(Challenge("c", {}, Counts.PRODUCTS, 1, match=new), o, NOW) == {"kiwi": 1}
    meat = Match(categories=frozenset({"meat"}))
    assert contribution(Challenge("c", {}, Counts.ORDERS, 1, match=meat), o, NOW) == {}
    assert contribution(Challenge("c", {}, Counts.ORDERS, 1), order(0, VEG), NOW) == {}
    weekly = Challenge("c", {}, Counts.ORDERS, 4, in_a_row=Period.WEEK)
    assert contribution(weekly, o, NOW) == {str(bucket_of(Period.WEEK, NOW)): 1}


def test_periods_in_a_row_have_consecutive_numbers() -> None:
    monday, sunday = date(2026, 11, 30), date(2026, 12, 6)
    assert bucket_of(Period.WEEK, monday) == bucket_of(Period.WEEK, sunday)
    assert bucket_of(Period.WEEK, sunday + timedelta(days=1)) == bucket_of(Period.WEEK, monday) + 1
    assert (
        bucket_of(Period.MONTH, date(2027, 1, 1)) == bucket_of(Period.MONTH, date(2026, 12, 31)) + 1
    )
    assert bucket_of(Period.DAY, date(2027, 1, 1)) == bucket_of(Period.DAY, date(2026, 12, 31)) + 1


def brute_longest(periods: set[int], grace: int) -> int:
    best = 0
    for first in periods:
        for last in periods:
            if last < first:
                continue
            inside = sum(1 for p in periods if first <= p <= last)
            if (last - first + 1) - inside <= grace:
                best = max(best, inside)
    return best


@given(st.sets(st.integers(0, 40), max_size=20), st.integers(0, 3))
def test_the_longest_run_agrees_with_a_brute_force(periods: set[int], grace: int) -> None:
    assert longest_run(sorted(periods), grace) == brute_longest(periods, grace)


@given(st.sets(st.integers(0, 30), min_size=1, max_size=15), st.integers(0, 2), st.integers(0, 5))
def test_the_current_run_is_the_longest_that_ends_last_and_is_still_alive(
    periods: set[int], grace: int, later: int
) -> None:
    c = Challenge("c", {}, Counts.ACTIVITIES, 30, activity="check_in", in_a_row=Period.DAY,
                  grace=grace)  # fmt: skip
    last = max(periods)
    now = datetime.combine(date.fromordinal(700000 + last + later), datetime.min.time(), UTC)
    tally = {str(700000 + p): 1 for p in periods}
    missed = max(later - 1, 0)
    if missed > grace:
        expected = 0
    else:
        expected = max(
            sum(1 for p in periods if first <= p)
            for first in periods
            if (last - first + 1) - sum(1 for p in periods if first <= p) <= grace - missed
        )
    assert current_run(c, tally, now) == expected


def test_a_refund_takes_away_what_the_order_adds_no_more_and_never_more() -> None:
    tally = {"a": 3, "b": 1}
    left, kept = take_away(tally, {"a": 2, "b": 1}, {"a": 1})
    assert (left, kept) == ({"a": 2}, {"a": 1})
    left, kept = take_away({"a": 1}, {"a": 2}, {"a": 5})  # what it adds now is capped
    assert (left, kept) == ({"a": 1}, {"a": 2})
    products = Challenge("c", {}, Counts.PRODUCTS, 3)
    assert measure(products, {"x": 2, "y": 1}) == 2


HEADER = """\
program:
  code: c
  name: {en: C}
  currency: CNY
  point_value: "0.01"
  timezone: Asia/Shanghai
badges:
  - {id: star, name: {en: Star}}
challenges:
"""


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("  - {id: a, name: {en: A}, counts: activities, goal: 2, points: 1}", "names one"),
        ("  - {id: a, name: {en: A}, counts: orders, activity: check_in, goal: 2, points: 1}",
         "only a challenge that counts activities"),
        ("  - {id: a, name: {en: A}, counts: spend, goal: 2, grace: 1, points: 1}",
         "grace is for periods in a row"),
        ("  - {id: a, name: {en: A}, counts: spend, in_a_row: week, goal: 2, points: 1}",
         "only orders or activities"),
        ("  - {id: a, name: {en: A}, counts: orders, in_a_row: week, goal: 2, grace: 2, points: 1}",
         "grace must be less than the goal"),
        ("  - {id: a, name: {en: A}, counts: orders, in_a_row: month, period: month, goal: 2,"
         " points: 1}", "shorter than the round"),
        ("  - {id: a, name: {en: A}, counts: orders, goal: 2}", "points, a badge or both"),
        ("  - {id: a, name: {en: A}, counts: orders, goal: 2, badge: moon}", "unknown badge"),
        ("  - {id: a, name: {en: A}, counts: orders, goal: 0, points: 1}", "at least 1"),
        ("  - {id: a, name: {en: A}, counts: spend, goal: 2.5, points: 1}", "quoted decimal"),
        ("  - {id: a, name: {en: A}, counts: orders, goal: 2, points: 1}\n"
         "  - {id: a, name: {en: A}, counts: orders, goal: 2, points: 1}", "duplicate"),
    ],
)  # fmt: skip
def test_a_challenge_the_programme_cannot_run_is_refused_at_its_field(body: str, says: str) -> None:
    with pytest.raises(ProgramFileError) as refused:
        compile_program(HEADER + body, "c.yaml")
    assert says in refused.value.detail
    assert "challenges" in refused.value.detail


def test_a_challenges_conditions_are_type_checked_in_their_scope() -> None:
    body = (
        "  - {id: a, name: {en: A}, counts: orders, goal: 2, points: 1,"
        ' when: "order.total > 10.0", who: "order.total > 1.0"}'
    )
    with pytest.raises(ConditionsMistyped) as caught:
        compile_program(HEADER + body, "c.yaml", check_types=True)
    fields = [e["field"] for e in caught.value.params["errors"]]
    assert fields == ["challenges.0.who"]  # who reads the member alone
    ok = "  - {id: a, name: {en: A}, counts: orders, goal: 2, badge: star, who: '\"star\" in member.badges'}"
    assert compile_program(HEADER + ok, "c.yaml", check_types=True).challenges["a"].badge == "star"

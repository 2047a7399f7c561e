"""Order independence in the pure domain: the same orders, recorded in any arrival order,
earn the same points per member.

The recording is played as the order service plays it (``services/earning/weeks``):
each order asks ``first_of_week`` against the first of its week recorded so far; when
it takes that place, the order that held it is judged again as not first and gives
back the difference. The rules: 1 point a yuan, x2 on the week's first order, +50
at 200 yuan, +30 for a tagged product.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from jifen.domain.earning import (
    Context,
    EarningProgram,
    Match,
    Order,
    OrderLine,
    Rule,
    RuleKind,
    evaluate_order,
    first_of_week,
    week_span,
)
from tests.unit.test_earning_engine import When

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 2, 1, tzinfo=SHANGHAI)
PROGRAM = EarningProgram(
    version=1,
    timezone="Asia/Shanghai",
    currency="CNY",
    rules=(
        Rule(
            "first-of-week",
            RuleKind.MULTIPLIER,
            factor=Decimal(2),
            when=When("member['first_order_this_week']"),
        ),
        Rule("spend-200", RuleKind.THRESHOLD, points=50, min_spend=20000),
        Rule("special", RuleKind.PRODUCT, points=30, match=Match(tags=frozenset({"special"}))),
    ),
)


def earned(order: Order, first: bool) -> int:
    local = order.placed_at.astimezone(SHANGHAI)
    ctx = Context(now=local, member={"first_order_this_week": first})
    return evaluate_order(PROGRAM, order, ctx).total


def play(orders: list[Order]) -> dict[str, int]:
    """Record ``orders`` in this arrival order, moving the week's first as they come."""
    firsts: dict[tuple[str, datetime], Order] = {}
    points: dict[str, int] = {}
    for order in orders:
        week = week_span(order.placed_at.astimezone(SHANGHAI))[0]
        held = firsts.get((order.member, week))
        before = None if held is None else (held.placed_at, held.order_id)
        first = first_of_week((order.placed_at, order.order_id), before)
        points[order.member] = points.get(order.member, 0) + earned(order, first)
        if first:
            firsts[(order.member, week)] = order
            if held is not None:  # the order that held it gives back what being first gave
                points[order.member] -= earned(held, True) - earned(held, False)
    return points


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Order], list[Order]]:
    count = draw(st.integers(1, 12))
    orders = []
    for i in range(count):
        at = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 21)))  # three weeks
        price = draw(st.integers(1, 30000))
        tags = frozenset({"special"}) if draw(st.booleans()) else frozenset()
        line = OrderLine("sku", 1, price, None, tags)
        member = draw(st.sampled_from(["M1", "M2"]))
        orders.append(Order(f"o-{i}", member, at, price, (line,)))
    return orders, draw(st.permutations(orders))


@settings(max_examples=200, deadline=None)
@given(streams())
def test_the_same_orders_in_any_arrival_order_earn_the_same_points(
    stream: tuple[list[Order], list[Order]],
) -> None:
    orders, arrived = stream
    in_time = sorted(orders, key=lambda o: (o.placed_at, o.order_id))
    assert play(arrived) == play(in_time) == play(orders)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 3), max_value=datetime(2099, 12, 1)))
def test_a_moment_falls_in_its_own_iso_week_from_monday(moment: datetime) -> None:
    local = moment.replace(tzinfo=SHANGHAI)
    start, end = week_span(local)
    assert start <= local < end and start.weekday() == 0 and (start.hour, start.minute) == (0, 0)
    assert start.isocalendar()[:2] == local.isocalendar()[:2]
    assert end - start == timedelta(days=7)

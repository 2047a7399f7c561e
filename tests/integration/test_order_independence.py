"""Order independence on the real engine: the same orders and activities, recorded in
any arrival order, give the same points per member (SQLite and PostgreSQL).

Each example records one stream twice, for two fresh members: once in time order,
once as Hypothesis shuffled it. The programme is fresh market (1 point a yuan, x2 on
the week's first order, +50 at 200 yuan, +50 daily special, +100 new product; sign-up
and profile once each), with every order small enough that no tier is reached.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import earning
from jifen.services.earning.commands import RecordActivity
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import assert_verified, balances, key

SHANGHAI = timezone(timedelta(hours=8))
START = datetime(2026, 2, 2, 0, 0, tzinfo=SHANGHAI)  # a Monday, four weeks before now
ITEMS = [
    line("milk", 1, "10.00", "dairy"),
    line("eggs-12", 1, "15.00", "dairy", "daily_special"),
    line("oil-5l", 1, "98.00", "grocery", "new"),
    line("salmon", 2, "64.00", "seafood"),
]
ACTIVITIES = ["sign_up", "profile_completed"]
_members = itertools.count(1)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    events: list[tuple[Any, ...]] = []
    for i in range(draw(st.integers(1, 7))):
        at = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 24)))
        if draw(st.integers(0, 4)) == 0:
            events.append(("activity", at, draw(st.sampled_from(ACTIVITIES))))
        else:
            events.append(("order", at, f"o{i}", draw(st.sampled_from(ITEMS))))
    return events, draw(st.permutations(events))


def record(jf: Jifen, program: Program, member: str, events: list[tuple[Any, ...]]) -> None:
    for event in events:
        if event[0] == "order":
            _, at, order_id, item = event
            paid = Decimal(item.unit_price) * item.quantity
            buy(jf, program, member, f"{member}-{order_id}", f"{paid:.2f}", item, at=at)
        else:
            cmd = RecordActivity(member, event[2], occurred_at=event[1])
            earning.record_activity(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key())


def test_the_same_orders_and_activities_in_any_arrival_order_earn_the_same(jf: Jifen) -> None:
    program = publish(jf)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(streams())
    def check(stream: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]) -> None:
        events, arrived = stream
        n = next(_members)
        in_time, shuffled = join(jf, program, f"T{n}"), join(jf, program, f"S{n}")
        record(jf, program, in_time, sorted(events, key=lambda e: (e[1], e[2])))
        record(jf, program, shuffled, arrived)
        assert balances(jf, program, in_time) == balances(jf, program, shuffled)

    check()
    assert_verified(jf)

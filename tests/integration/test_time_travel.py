"""Time travel: nights run late, or twice, leave the state nights run on time leave.

One programme (the fresh market: tiers, birthday gifts, expiry), a few members with
birthdays in the range, lots that end and points that come due in it, and orders that
move a member up a tier in the middle of it. World A runs each night as it comes (a
minute after its cut-off). World B runs the same writes at the same instants, but every
night only hours or days after the last one, some of them twice. Their members, lots
and what each kind of entry moved must be equal: a late night expires what had ended by
its own cut-off, and gives the gift of the tier of its own night (``tiers_before``).
Bounded examples on SQLite; a few on PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.nightly import cutoff as cutoff_of
from jifen.services import ledger, members
from jifen.services.ledger import Earn
from jifen.services.members.commands import CreateMember
from jifen.services.nightly import pipeline
from tests.conftest import _truncate_all
from tests.earning_fixtures import buy, line, publish
from tests.factories import FakeClock, assert_verified
from tests.pipeline_fixtures import rows

FIRST = date(2026, 6, 15)
SETUP = datetime(2026, 6, 10, 4, tzinfo=UTC)
START = datetime(2026, 6, 13, 20, tzinfo=UTC)  # events: hours after this

Fresh = Callable[[FakeClock], Jifen]

member_plans = st.fixed_dictionaries(
    {
        "born": st.integers(0, 4),  # the range's day of their birthday (4: none in it)
        "silver": st.booleans(),
        "upgrade_at": st.none() | st.integers(1, 96),
        "lot_ends": st.integers(1, 96),
        "pending_until": st.none() | st.integers(1, 96),
    }
)
scenarios = st.fixed_dictionaries(
    {
        "days": st.integers(2, 4),
        "members": st.lists(member_plans, min_size=1, max_size=3),
        "late_by": st.integers(1, 72),  # hours after the last cut-off
        "twice": st.lists(st.booleans(), min_size=4, max_size=4),
    }
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fresh]:
    """A factory of empty, migrated databases of one kind, each with its clock."""
    made: list[Jifen] = []
    template = request.getfixturevalue("sqlite_template") if request.param == "sqlite" else None
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None

    def make(clock: FakeClock) -> Jifen:
        for app in made:
            app.close()
        if template is not None:
            path = tmp_path / f"world-{len(made)}.db"
            shutil.copy(template, path)
            url = f"sqlite:///{path}"
        else:
            assert pg is not None
            _truncate_all(pg)
            url = pg
        app = bootstrap(Settings(database_url=url), clock=clock)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


def _world(make: Fresh, plan: dict[str, Any], *, late: bool) -> dict[str, Any]:
    clock = FakeClock(SETUP)
    jf = make(clock)
    program = publish(jf)
    writes: list[tuple[datetime, int, Callable[[], object]]] = []
    for n, m in enumerate(plan["members"]):
        ref = f"M{n}"
        born = date(1990, 6, 15 + m["born"])
        members.create_member(jf.uow(), clock, program, CreateMember(ref, birthday=born), f"j{n}")
        if m["silver"]:
            buy(jf, program, ref, f"s-{n}", "1000.00", line("desk", 1, "1000.00"))
        ends = START + timedelta(hours=m["lot_ends"])
        ledger.earn(jf.uow(), clock, program, Earn(ref, 40 + n, expires_at=ends), f"e{n}")
        if m["pending_until"] is not None:
            due = START + timedelta(hours=m["pending_until"])
            ledger.earn(jf.uow(), clock, program, Earn(ref, 7, available_at=due), f"p{n}")
        if m["upgrade_at"] is not None:
            at = START + timedelta(hours=m["upgrade_at"])
            writes.append((at, n, _upgrade(jf, program, ref, f"g-{n}")))
    days = [FIRST + timedelta(days=i) for i in range(plan["days"])]
    last = cutoff_of(days[-1], program.tz)
    events = list(writes)
    for i, day in enumerate(days):
        runs = 2 if late and plan["twice"][i] else 1
        at = last + timedelta(hours=plan["late_by"]) if late else cutoff_of(day, program.tz)
        for _ in range(runs):
            events.append((at + timedelta(minutes=1), 100 + i, _night(jf, program, day)))
    for at, _, run in sorted(events, key=lambda e: (e[0], e[1])):
        clock.set(at)
        run()
    assert_verified(jf)
    return _state(jf)


def _upgrade(jf: Jifen, program: Any, ref: str, order: str) -> Callable[[], object]:
    return lambda: buy(jf, program, ref, order, "5000.00", line("sofa", 1, "5000.00"))


def _night(jf: Jifen, program: Any, day: date) -> Callable[[], object]:
    return lambda: pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, day)


def _state(jf: Jifen) -> dict[str, Any]:
    """What the nights decide: balances and tiers, lots, and what each kind of entry moved."""
    return {
        "members": rows(
            jf,
            "SELECT external_id, available, pending, held, tier FROM members ORDER BY external_id",
        ),
        "lots": sorted(
            tuple(str(v) for v in r.values())
            for r in rows(
                jf,
                "SELECT m.external_id, l.amount, l.remaining, l.expires_at, l.available_at,"
                " l.pending, l.source FROM lots l JOIN members m ON m.id = l.member_id",
            )
        ),
        "moved": rows(
            jf,
            "SELECT m.external_id, e.kind, SUM(e.amount) AS amount"
            " FROM entries e JOIN members m ON m.id = e.member_id"
            " GROUP BY m.external_id, e.kind ORDER BY 1, 2",
        ),
    }


def _check(make: Fresh, plan: dict[str, Any]) -> None:
    on_time = _world(make, plan, late=False)
    late = _world(make, plan, late=True)
    assert late == on_time


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # each example is two databases
)
@given(plan=scenarios)
def test_nights_run_late_or_twice_leave_the_state_of_nights_run_on_time(
    fresh: Fresh, plan: dict[str, Any]
) -> None:
    _check(fresh, plan)


def test_a_late_night_after_a_mid_range_upgrade_gives_the_gift_of_its_own_night(
    fresh: Fresh,
) -> None:
    """The example the property found first, kept: born on the first night, silver then,
    gold a day later, the nights run two days late."""
    plan = {
        "days": 2,
        "members": [
            {"born": 0, "silver": True, "upgrade_at": 30, "lot_ends": 10, "pending_until": 40}
        ],
        "late_by": 48,
        "twice": [True, False, False, False],
    }
    _check(fresh, plan)

"""A backdated order or activity keeps its own date: in history, in its lots' dates and
expiry ("earned on"), and in the portal's words.

Fresh market: points expire 12 months after they are earned. The fake clock stands at
2026-03-01T04:00Z (noon in Shanghai).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from jifen.adapters.db.tables import lots as t
from jifen.bootstrap import Jifen
from jifen.entrypoints.web.i18n import load
from jifen.entrypoints.web.reasons import describe
from jifen.services import earning, members, programs
from jifen.services.earning.commands import RecordActivity
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import FakeClock, assert_verified, balances, key

SHANGHAI = timezone(timedelta(hours=8))
PLACED = datetime(2026, 1, 20, 18, 30, tzinfo=SHANGHAI)  # six weeks before now
MILK = line("milk", 1, "10.00", "dairy")


def lots(jf: Jifen) -> list[tuple[datetime, datetime | None]]:
    with jf.engine.connect() as conn:
        rows = conn.execute(select(t.c.created_at, t.c.expires_at).order_by(t.c.id)).all()
    return [(a, b) for a, b in rows]


def test_a_backdated_order_keeps_its_date_in_history_and_lots(jf: Jifen) -> None:
    # given an order placed six weeks ago, recorded now (a till that synced late)
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "L1", "10.00", MILK, at=PLACED)
    # then its lots are dated by the order, and expire 12 months from it, not from now
    placed = PLACED.astimezone(UTC)
    expires = datetime(2027, 1, 20, 18, 30, tzinfo=SHANGHAI).astimezone(UTC)
    assert lots(jf) and all(x == (placed, expires) for x in lots(jf))
    # and its entry says when it happened, beside when it was written
    item = members.history(jf.uow(write=False), program, "C-1", None, 5).items[0]
    assert item.occurred_at == placed and item.created_at == jf.clock.now()
    assert item.meta["occurred_at"] == PLACED.isoformat()
    # and the portal's words show the order's own day
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, program)
    shown = describe(load()["en"], item, rules, "Asia/Shanghai")
    assert shown.when == item.occurred_at
    assert_verified(jf)


def test_an_order_whose_points_would_already_have_expired_credits_nothing(jf: Jifen) -> None:
    # given an order placed 13 months ago (inside the window, past the 12-month expiry)
    program = publish(jf)
    join(jf, program, "C-1")
    result = buy(jf, program, "C-1", "OLD", "10.00", MILK, at=PLACED - timedelta(days=400))
    # then it is recorded, and explained, but earns nothing: points never arrive expired
    assert result.points == 0
    assert {s.reason for s in result.award.skipped} >= {"already_expired"}
    assert balances(jf, program, "C-1") == (0, 0, 0)


def test_a_backdated_activity_keeps_its_date_and_expires_from_it(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    cmd = RecordActivity("C-1", "sign_up", occurred_at=PLACED)
    result = earning.record_activity(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key())
    assert result.points == 100
    placed = PLACED.astimezone(UTC)
    assert lots(jf) == [(placed, datetime(2027, 1, 20, 18, 30, tzinfo=SHANGHAI).astimezone(UTC))]
    item = members.history(jf.uow(write=False), program, "C-1", None, 5).items[0]
    assert item.occurred_at == placed
    # and one dated before its points' life credits nothing
    old = RecordActivity("C-1", "profile_completed", occurred_at=PLACED - timedelta(days=400))
    gone = earning.record_activity(jf.uow(), jf.clock, jf.rulebooks, program, old, key())
    assert gone.points == 0 and balances(jf, program, "C-1") == (100, 0, 0)
    assert_verified(jf)

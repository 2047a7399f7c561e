"""The demo's history: fifteen months played in time order, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.services import demo, engagement
from jifen.services.ledger import verification
from jifen.services.reporting import period as dashboard
from tests.earning_fixtures import publish
from tests.factories import FakeClock


def test_the_demo_plays_fifteen_months_of_history_once(jf: Jifen, clock: FakeClock) -> None:
    now = clock.now()
    clock.set(demo.start_of(now))
    program = publish(jf)  # where the history begins, as `jifen demo` does
    clock.set(now)

    created = demo.seed_demo(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, 30)

    assert created == 30
    with jf.engine.connect() as conn:
        days = conn.execute(text("SELECT created_at FROM entries")).scalars().all()
        kinds = dict(conn.execute(text("SELECT kind, COUNT(*) FROM entries GROUP BY kind")).all())
        nights = set(conn.execute(text("SELECT DISTINCT day FROM pipeline_runs")).scalars())
        tiers = set(conn.execute(text("SELECT tier FROM members")).scalars())
        entries = sum(kinds.values())
    stamps = [d if isinstance(d, str) else d.isoformat() for d in days]
    # entries are dated through the history, none after now
    assert len({s[:10] for s in stamps}) > 60
    assert min(stamps) < (now - timedelta(days=365)).isoformat()
    assert max(s[:19] for s in stamps) <= now.replace(tzinfo=None).isoformat()[:19]
    # the oldest lots expired on a night of the history, and redemptions were made
    assert kinds.get("expire", 0) > 0 and kinds.get("redeem", 0) > 0
    assert {date(2026, 1, 1)} <= {
        d if isinstance(d, date) else date.fromisoformat(d) for d in nights
    }
    assert len(tiers) >= 2
    assert verification.verify(jf.uow, jf.rulebooks)["ok"]
    # a dashboard of the last month has several days to chart
    d = dashboard.dashboard(
        jf.uow(write=False), program, now.date() - timedelta(days=30), now.date()
    )
    assert d.issued > 0 and sum(1 for day in d.days if day.issued) > 5
    # friends joined with codes, their first purchases paid both sides, and the last
    # three, from one tablet, are flagged on member 2
    report = engagement.referral_report(jf.uow(write=False), jf.clock, program)
    assert report.joined >= 6 and report.converted >= 3 and report.points > 0
    flagged = {r.member: set(r.flags) for r in report.referrers}
    assert {"shared_device", "lookalike_contacts"} <= flagged["M00002"]
    assert sum(1 for flags in flagged.values() if "shared_device" in flags) == 1

    assert demo.seed_demo(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, 30) == 0
    with jf.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM entries")).scalar_one() == entries

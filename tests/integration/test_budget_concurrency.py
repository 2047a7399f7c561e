"""PostgreSQL: a campaign budget is never overspent by concurrent orders."""

from __future__ import annotations

from sqlalchemy import text

from jifen.bootstrap import Jifen
from tests.earning_fixtures import ROOT, buy, join, line, publish
from tests.factories import FakeClock, assert_verified
from tests.integration.test_concurrency import jf, run_together, split

pytestmark = __import__("pytest").mark.postgres
__all__ = ["jf"]  # the PostgreSQL-only fixture of the concurrency tests

VEG = line("bok-choy", 1, "100.00", "vegetables")


def test_concurrent_orders_never_overspend_a_campaign_budget(jf: Jifen, clock: FakeClock) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program = publish(jf, source=source.replace("budget: 500000", "budget: 1050"))
    clock.advance(days=3)  # Wednesday: the vegetable day; each order asks 100 of the budget
    members = [join(jf, program, f"V-{n}", segment="vegetable_lover") for n in range(32)]

    results = run_together(32, lambda i: buy(jf, program, members[i], f"o-{i}", "100.00", VEG))

    ok, failed = split(results)
    assert failed == []
    granted = [sum(x.points for x in r.award.lines if x.rule_id == "vegetable-double") for r in ok]
    assert sum(granted) == 1050  # all of it, and not a point more
    assert sorted(granted, reverse=True)[:10] == [100] * 10 and sorted(granted)[:21] == [0] * 21
    with jf.engine.connect() as conn:
        spent, budget = conn.execute(
            text("SELECT SUM(spent), SUM(budget) FROM campaign_budgets")
        ).one()
    assert (spent, budget) == (1050, 1050)
    assert_verified(jf)

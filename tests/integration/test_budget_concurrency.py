"""PostgreSQL: a campaign budget is never overspent by concurrent orders."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from tests.earning_fixtures import ROOT, buy, join, line, publish
from tests.factories import FakeClock, assert_verified
from tests.integration.test_concurrency import jf, run_together, split

pytestmark = pytest.mark.postgres
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


TWO_RULES = """
      - id: vegetable-extra
        kind: multiplier
        name: {zh-CN: 周三蔬菜再加倍, en: Vegetables doubled again on Wednesdays}
        factor: 2
        match: {categories: [vegetables]}
        window: {weekdays: [3]}

redemption:"""


@pytest.mark.parametrize("budget", [1400, 1050])
def test_two_lines_of_one_campaign_in_concurrent_orders_never_deadlock(
    jf: Jifen, clock: FakeClock, budget: int
) -> None:
    """Given a campaign whose two rules both pay on each order, so that each order draws on
    the budget twice, when 32 orders come at once and the shards run low, then none fails
    (no deadlock between one order's first shard and another's locked walk of them all)
    and the budget is spent exactly."""
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    source = source.replace("budget: 500000", f"budget: {budget}").replace(
        "\nredemption:", TWO_RULES, 1
    )
    program = publish(jf, source=source)
    clock.advance(days=3)  # Wednesday
    members = [join(jf, program, f"V-{n}", segment="vegetable_lover") for n in range(32)]

    results = run_together(32, lambda i: buy(jf, program, members[i], f"o-{i}", "100.00", VEG))

    ok, failed = split(results)
    assert failed == []
    campaign = {"vegetable-double", "vegetable-extra"}
    granted = sum(x.points for r in ok for x in r.award.lines if x.rule_id in campaign)
    assert granted == budget
    with jf.engine.connect() as conn:
        spent = conn.execute(text("SELECT SUM(spent) FROM campaign_budgets")).scalar_one()
    assert spent == budget
    assert_verified(jf)

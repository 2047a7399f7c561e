"""Programmes evaluated per order, in-process (no database).

Two programmes: fresh-market as published, and the same with eleven more
rules (20 in all: thresholds in an exclusive group, per-unit bonuses,
conditions over the basket, windows). The ceiling beside each is the work any
evaluator must do at the least: build the order's variables and call every
rule's compiled condition once, measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jifen.adapters.programfile import compile_program
from jifen.domain.earning import (
    Context,
    EarningProgram,
    Order,
    OrderLine,
    evaluate_order,
    now_vars,
    order_vars,
)

ROOT = Path(__file__).resolve().parents[1]
WEDNESDAY = datetime(2026, 3, 4, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BASKET = (
    OrderLine("eggs-12", 2, 1500, "dairy", frozenset({"daily_special"})),
    OrderLine("bok-choy", 2, 650, "vegetables"),
    OrderLine("pork-500g", 1, 3200, "meat"),
    OrderLine("oil-5l", 1, 7990, "grocery", frozenset({"new"})),
    OrderLine("apples-1kg", 1, 1880, "fruit"),
)
MEMBER = {
    "id": "C-1",
    "tier": "gold",
    "status": "active",
    "orders_count": 12,
    "spend_total": 2310.5,
    "first_order_this_week": True,
    "days_since_last_order": 6,
    "days_since_joined": 400,
    "birthday_month": False,
    "available": 1200,
    "segment": "vegetable_lover",
    "tags": ["vip"],
    "attributes": {"city": "上海"},
}
EXTRA_RULES = """
  - {id: spend-300, kind: threshold, min_spend: "300.00", points: 100, group: spend, priority: 2}
  - {id: spend-500, kind: threshold, min_spend: "500.00", points: 250, group: spend, priority: 3}
  - {id: eggs-per-box, kind: product, match: {skus: [eggs-12]}, per: unit, points: 5}
  - {id: fruit-lines, kind: product, match: {categories: [fruit]}, per: line, points: 10}
  - {id: meat-weekend, kind: multiplier, factor: 2, match: {categories: [meat]},
     window: {weekdays: [6, 7]}}
  - {id: early-bird, kind: bonus, points: 20, window: {hours: "07:00-10:00"}}
  - {id: big-basket, kind: bonus, points: 30, when: "size(order.lines) >= 5"}
  - {id: vip-bonus, kind: bonus, points: 15, when: "'vip' in member.tags && order.total > 50.0"}
  - {id: comeback, kind: bonus, points: 200, when: "member.days_since_last_order >= 30"}
  - {id: app-orders, kind: bonus, points: 10, when: "order.channel == 'app'"}
  - {id: fresh-mix, kind: bonus, points: 25,
     when: "order.lines.exists(l, l.category == 'vegetables')
            && order.lines.exists(l, l.category == 'fruit')"}
"""


def programmes() -> dict[str, EarningProgram]:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    bigger = source.replace("\ncampaigns:", EXTRA_RULES + "\ncampaigns:", 1)
    assert bigger != source
    return {
        name: compile_program(text, name, 1).earning
        for name, text in (("fresh-market", source), ("20 rules", bigger))
    }


def _per_call_us(work: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        work()
    return (time.perf_counter() - start) / count * 1e6


def per_order_us(
    earning: EarningProgram,
    runs: int = 5,
    count: int = 20_000,
) -> tuple[list[float], list[float]]:
    """(microseconds per evaluation, per run; microseconds of the ceiling, per run)."""
    order = Order("o-1", "C-1", WEDNESDAY, 15360, BASKET)
    ctx = Context(now=WEDNESDAY, member=MEMBER, tier="gold")
    assert evaluate_order(earning, order, ctx).total > 0
    conditions = [c for r in earning.rules for c in (r.when,) if c is not None]
    conditions += [c.when for c in earning.campaigns.values() if c.when is not None]

    def ceiling() -> None:
        variables = {
            "member": MEMBER,
            "order": order_vars(order, earning.currency),
            "now": now_vars(WEDNESDAY),
            "activity": {},
        }
        for condition in conditions:
            condition(variables)

    ours = [_per_call_us(lambda: evaluate_order(earning, order, ctx), count) for _ in range(runs)]
    floor = [_per_call_us(ceiling, count) for _ in range(runs)]
    return ours, floor


if __name__ == "__main__":
    for name, earning in programmes().items():
        ours, floor = per_order_us(earning)
        print(
            f"{name} ({len(earning.rules)} rules): {statistics.median(ours):.1f} us/order; "
            f"ceiling {statistics.median(floor):.1f} us"
        )

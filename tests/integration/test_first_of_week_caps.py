"""A capped first-of-the-week rule: its usage follows the bonus when the first moves.

Fresh market, with its weekly double capped (once a week, or 100 points a week). The
fake clock stands on Sunday 2026-03-01, noon in Shanghai: the week is 2026-W09.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services.earning import refunds
from jifen.services.earning.commands import RefundOrder
from tests.earning_fixtures import ROOT, buy, join, line, publish
from tests.factories import assert_verified, balances
from tests.import_fixtures import item, order, run_import, write_jsonl

SHANGHAI = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 2, 23, 10, 0, tzinfo=SHANGHAI)
WEDNESDAY = MONDAY + timedelta(days=2)
MILK = line("milk", 1, "10.00", "dairy")
FISH = line("salmon", 1, "40.00", "seafood")
RULE = "first-order-of-week"


def capped(jf: Jifen, cap: str) -> Program:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text()
    when = "    when: member.first_order_this_week\n"
    assert when in source
    return publish(jf, source=source.replace(when, f"{when}    caps: [{cap}]\n", 1))


def usage(jf: Jifen) -> list[tuple[str, int, int]]:
    with jf.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT period, points, times FROM rule_usage WHERE rule_id = :r"), {"r": RULE}
        ).all()
    return [(str(p), int(n), int(t)) for p, n, t in rows]


def test_a_once_a_week_double_moves_to_an_earlier_order_arriving_late(jf: Jifen) -> None:
    # given a double capped at once a week, and Wednesday's order that took it
    program = capped(jf, "{per: week, max_times: 1}")
    join(jf, program, "C-1")
    assert buy(jf, program, "C-1", "W1", "10.00", MILK, at=WEDNESDAY).points == 20
    assert usage(jf) == [("week:2026-W09", 10, 1)]
    # when Monday's order arrives afterwards
    mon = buy(jf, program, "C-1", "M1", "40.00", FISH, at=MONDAY)
    # then the double is Monday's: the cap Wednesday's used went with it, so the
    # week pays one double, not none
    assert {x.rule_id: x.points for x in mon.award.lines} == {"base": 40, RULE: 40}
    assert all(x.rule_id != RULE for x in mon.award.skipped)
    assert usage(jf) == [("week:2026-W09", 40, 1)]
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)
    assert_verified(jf)


def test_a_points_capped_double_counts_only_the_order_that_holds_it(jf: Jifen) -> None:
    program = capped(jf, "{per: week, max_points: 100}")
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "W1", "10.00", MILK, at=WEDNESDAY)
    buy(jf, program, "C-1", "M1", "40.00", FISH, at=MONDAY)
    # the week's count is Monday's double alone, as if the orders had come in time order
    assert usage(jf) == [("week:2026-W09", 40, 1)]
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)


def test_a_refunded_order_losing_the_double_gives_back_all_it_counted(jf: Jifen) -> None:
    # given Wednesday's order with the double, half refunded (refunds leave the count)
    program = capped(jf, "{per: week, max_times: 1}")
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "W1", "20.00", line("milk", 2, "10.00", "dairy"), at=WEDNESDAY)
    cmd = RefundOrder("r-1", "W1", amount="10.00", lines=(("milk", 1),))
    refunds.refund_order(jf.uow(), jf.clock, jf.rulebooks, program, cmd)
    assert usage(jf) == [("week:2026-W09", 20, 1)]
    # when Monday's order takes the double, then Wednesday's count goes whole
    buy(jf, program, "C-1", "M1", "40.00", FISH, at=MONDAY)
    assert usage(jf) == [("week:2026-W09", 40, 1)]
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)
    assert_verified(jf)


@pytest.mark.parametrize("batch_size", [1, 500])
def test_an_import_moves_a_capped_double_and_its_count(
    jf: Jifen, tmp_path: Path, batch_size: int
) -> None:
    program = capped(jf, "{per: week, max_times: 1}")
    join(jf, program, "C-1")
    rows = [
        order("W1", "C-1", WEDNESDAY.isoformat(), "10.00", item("milk", 1, "10.00", "dairy")),
        order("M1", "C-1", MONDAY.isoformat(), "40.00", item("salmon", 1, "40.00", "seafood")),
    ]
    summary = run_import(
        jf, program, write_jsonl(tmp_path / "w.jsonl", rows), batch_size=batch_size
    )
    assert summary.imported == 2
    assert usage(jf) == [("week:2026-W09", 40, 1)]
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)
    assert_verified(jf)

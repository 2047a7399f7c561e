"""The first purchase of the week is decided by the week's orders, not by their arrival.

Fresh market: 1 point a yuan, doubled on the member's first order of the ISO week
in Shanghai. The fake clock stands on Sunday 2026-03-01, noon in Shanghai: the week
runs from Monday 23 February.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.services.earning import refunds
from jifen.services.earning.commands import RefundOrder
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import assert_verified, balances
from tests.import_fixtures import item, order, run_import, write_jsonl

SHANGHAI = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 2, 23, 10, 0, tzinfo=SHANGHAI)
WEDNESDAY = MONDAY + timedelta(days=2)
MILK = line("milk", 1, "10.00", "dairy")
FISH = line("salmon", 1, "40.00", "seafood")
MILK_ROW = item("milk", 1, "10.00", "dairy")


def kinds(jf: Jifen) -> list[tuple[str, int]]:
    with jf.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, delta_available FROM entries ORDER BY id")).all()
    return [(str(k), int(n)) for k, n in rows]


def test_an_earlier_order_arriving_late_takes_the_weekly_double_from_the_later_one(
    jf: Jifen,
) -> None:
    # given Wednesday's order recorded first, as the week's first (10 + 10)
    program = publish(jf)
    join(jf, program, "C-1")
    wed = buy(jf, program, "C-1", "W1", "10.00", MILK, at=WEDNESDAY)
    assert wed.points == 20
    # when Monday's order arrives afterwards (a till that synced late)
    mon = buy(jf, program, "C-1", "M1", "40.00", FISH, at=MONDAY)
    # then Monday's is the first of the week (40 + 40), and Wednesday's double is
    # taken back by an appended reversal, never an edit
    assert {x.rule_id: x.points for x in mon.award.lines} == {
        "base": 40,
        "first-order-of-week": 40,
    }
    assert kinds(jf) == [("earn", 20), ("earn", 80), ("reverse", -10)]
    # and the answer says so: the net change, both entries, what moved from where
    assert mon.points == 80 - 10 and len(mon.entry_ids) == 2
    assert mon.meta == {"first_of_week_moved_from": "W1", "by_rule": {"first-order-of-week": 10}}
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)
    # and a later order of the week is not first either
    assert buy(jf, program, "C-1", "T1", "10.00", MILK, at=MONDAY + timedelta(days=1)).points == 10
    assert_verified(jf)


def test_the_week_pays_one_double_whatever_the_arrival_order(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    week = [("A", WEDNESDAY, MILK, "10.00"), ("B", MONDAY, FISH, "40.00")]
    week += [("C", MONDAY + timedelta(days=5), MILK, "10.00")]
    for member, orders in (("C-1", week), ("C-2", list(reversed(week)))):
        for order_id, at, bought, paid in orders:
            buy(jf, program, member, f"{member}-{order_id}", paid, bought, at=at)
    # 10 + 40 + 10, and Monday's 40 doubled, either way
    assert balances(jf, program, "C-1") == balances(jf, program, "C-2") == (100, 0, 0)
    assert_verified(jf)


def test_orders_placed_at_the_same_moment_are_ordered_by_order_id(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "B", "10.00", MILK, at=MONDAY)
    a = buy(jf, program, "C-1", "A", "40.00", FISH, at=MONDAY)
    assert (a.award.points, a.points) == (80, 80 - 10)  # it earns 80, and B gives back 10
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)


def test_a_fully_refunded_first_order_stays_the_weeks_first(jf: Jifen) -> None:
    # given Monday's order, the week's first, refunded in full
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "M1", "40.00", FISH, at=MONDAY)
    back = refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-1", "M1", full=True)
    )
    assert back.points == -80  # its points go in proportion: all of them
    # when Wednesday's order comes, then it is not the first: no double moves to it
    assert buy(jf, program, "C-1", "W1", "10.00", MILK, at=WEDNESDAY).points == 10
    assert balances(jf, program, "C-1") == (10, 0, 0)
    assert_verified(jf)


def test_a_refund_after_the_double_moved_takes_back_only_what_is_left(jf: Jifen) -> None:
    # given Wednesday's double moved to Monday's late order
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "W1", "10.00", MILK, at=WEDNESDAY)
    buy(jf, program, "C-1", "M1", "40.00", FISH, at=MONDAY)
    # when Wednesday's order is refunded in full
    back = refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-1", "W1", full=True)
    )
    # then only its base is taken: its double already went with the move
    assert back.points == -10
    assert balances(jf, program, "C-1") == (80, 0, 0)
    assert_verified(jf)


def test_an_order_partly_refunded_before_the_double_moves_loses_what_it_has_left(
    jf: Jifen,
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "W1", "20.00", line("milk", 2, "10.00", "dairy"), at=WEDNESDAY)
    refunds.refund_order(
        jf.uow(),
        jf.clock,
        jf.rulebooks,
        program,
        RefundOrder("r-1", "W1", amount="10.00", lines=(("milk", 1),)),
    )
    assert balances(jf, program, "C-1") == (20, 0, 0)  # 10 base and 10 double left
    buy(jf, program, "C-1", "M1", "40.00", FISH, at=MONDAY)
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)
    assert_verified(jf)


@pytest.mark.parametrize("batch_size", [1, 500])
def test_an_import_moves_the_double_as_posting_does(
    jf: Jifen, tmp_path: Path, batch_size: int
) -> None:
    # given a file whose week arrives out of order, in one batch or one row a batch
    program = publish(jf)
    join(jf, program, "C-1")
    rows = [
        order("W1", "C-1", WEDNESDAY.isoformat(), "10.00", item("milk", 1, "10.00", "dairy")),
        order("M1", "C-1", MONDAY.isoformat(), "40.00", item("salmon", 1, "40.00", "seafood")),
        order("T1", "C-1", (MONDAY + timedelta(days=1)).isoformat(), "10.00", MILK_ROW),
    ]
    summary = run_import(
        jf, program, write_jsonl(tmp_path / "w.jsonl", rows), batch_size=batch_size
    )
    # then the week paid one double, Monday's
    assert summary.imported == 3
    assert kinds(jf) == [("earn", 20), ("earn", 80), ("reverse", -10), ("earn", 10)]
    assert balances(jf, program, "C-1") == (100, 0, 0)
    assert_verified(jf)

"""An order recorded after its points would have expired is out of its week's reckoning.

Fresh market: points expire 12 months after they are earned. The fake clock stands on
Sunday 2026-03-01, noon in Shanghai. The week 2025-W09 runs from Monday 24 February
2025: Friday's points expired on 28 February 2026, Sunday's live until 2 March 2026.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import assert_verified, balances
from tests.import_fixtures import item, order, run_import, write_jsonl

SHANGHAI = timezone(timedelta(hours=8))
FRIDAY = datetime(2025, 2, 28, 10, 0, tzinfo=SHANGHAI)  # its points expired: dead
SUNDAY = datetime(2025, 3, 2, 10, 0, tzinfo=SHANGHAI)  # its points live one more day
MILK = line("milk", 1, "10.00", "dairy")
FISH = line("salmon", 1, "40.00", "seafood")
RULE = "first-order-of-week"


def kinds(jf: Jifen) -> list[tuple[str, int]]:
    with jf.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, delta_available FROM entries ORDER BY id")).all()
    return [(str(k), int(n)) for k, n in rows]


def test_an_order_whose_points_had_expired_takes_no_bonus_from_a_live_one(jf: Jifen) -> None:
    # given Sunday's order, live, with the week's double (10 + 10)
    program = publish(jf)
    join(jf, program, "C-1")
    assert buy(jf, program, "C-1", "W1", "10.00", MILK, at=SUNDAY).points == 20
    # when Friday's order arrives, its points expired before it was recorded
    fri = buy(jf, program, "C-1", "F1", "40.00", FISH, at=FRIDAY)
    # then it credits nothing and moves nothing: Sunday's keeps its double, no reversal
    assert fri.points == 0 and "first_of_week_moved_from" not in fri.meta
    assert {s.reason for s in fri.award.skipped if s.rule_id == "base"} == {"already_expired"}
    assert kinds(jf) == [("earn", 20)]
    assert balances(jf, program, "C-1") == (20, 0, 0)
    assert_verified(jf)


def test_an_order_whose_points_had_expired_holds_no_place_in_its_week(jf: Jifen) -> None:
    # given Friday's order recorded first, its points already expired
    program = publish(jf)
    join(jf, program, "C-1")
    assert buy(jf, program, "C-1", "F1", "40.00", FISH, at=FRIDAY).points == 0
    # when Sunday's order comes, then it is the week's first, as in the other arrival order
    assert buy(jf, program, "C-1", "W1", "10.00", MILK, at=SUNDAY).points == 20
    assert balances(jf, program, "C-1") == (20, 0, 0)
    assert_verified(jf)


def test_a_live_order_before_the_first_takes_its_place_past_an_expired_one(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "F1", "40.00", FISH, at=FRIDAY)
    buy(jf, program, "C-1", "W2", "10.00", MILK, at=SUNDAY + timedelta(hours=2))
    # an order placed between Friday's and the first, live, still comes first
    early = buy(jf, program, "C-1", "W1", "40.00", FISH, at=SUNDAY)
    assert early.meta["first_of_week_moved_from"] == "W2"
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)
    assert_verified(jf)


@pytest.mark.parametrize("batch_size", [1, 500])
def test_an_import_leaves_an_expired_order_out_of_its_week(
    jf: Jifen, tmp_path: Path, batch_size: int
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    rows = [
        order(
            "W2",
            "C-1",
            (SUNDAY + timedelta(hours=2)).isoformat(),
            "10.00",
            item("milk", 1, "10.00", "dairy"),
        ),
        order("F1", "C-1", FRIDAY.isoformat(), "40.00", item("salmon", 1, "40.00", "seafood")),
        order("W1", "C-1", SUNDAY.isoformat(), "40.00", item("salmon", 1, "40.00", "seafood")),
    ]
    summary = run_import(
        jf, program, write_jsonl(tmp_path / "w.jsonl", rows), batch_size=batch_size
    )
    assert summary.imported == 3
    assert kinds(jf) == [("earn", 20), ("earn", 80), ("reverse", -10)]
    assert balances(jf, program, "C-1") == (10 + 80, 0, 0)
    assert_verified(jf)

"""PostgreSQL: 32 orders at once for the same members keep a leaderboard exact: each score
is the sum of its orders' points, the counts hold each member once, and every rank agrees
with a brute force; alone and in a group's one write."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import leaderboards
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.views import EarnResult
from jifen.services.leaderboards import ScoreChange
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import FakeClock, assert_verified
from tests.integration.test_concurrency import jf, run_together, split
from tests.integration.test_group_commit import answers, groups_of, held

pytestmark = pytest.mark.postgres
__all__ = ["jf"]  # the PostgreSQL-only fixture of the concurrency tests

DECEMBER = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
MEMBERS = ("ANN", "BO", "CY", "DI")


def _shop(jf: Jifen, clock: FakeClock) -> Program:
    clock.set(DECEMBER)
    program = publish(jf)
    for member in (*MEMBERS, "P"):
        join(jf, program, member)
    return program


def _check(jf: Jifen, program: Program, results: list[EarnResult]) -> None:
    earned: dict[str, int] = {}
    for r in results:
        extra = sum(c["points"] for c in r.meta.get("challenges", []))
        earned[r.member] = earned.get(r.member, 0) + r.points + extra
    view = leaderboards.board_now(jf.uow(write=False), jf.clock, jf.rulebooks, program,
                                  "monthly-points")  # fmt: skip
    with jf.engine.connect() as conn:
        stored = dict(conn.execute(text(
            "SELECT m.external_id, s.score FROM leaderboard_scores s"
            " JOIN members m ON m.id = s.member_id WHERE s.board_id = 'monthly-points'"
        )).all())  # fmt: skip
        counted = conn.execute(text(
            "SELECT SUM(n) FROM leaderboard_counts WHERE board_id = 'monthly-points'"
            " AND level = 0"
        )).scalar_one()  # fmt: skip
    for member, points in earned.items():
        assert stored[member] >= points  # plus its sign-up, recorded before
    assert counted == len(stored)
    for row in view.top:
        assert row.rank == 1 + sum(1 for s in stored.values() if s > row.score)
    assert_verified(jf)


def test_concurrent_orders_keep_the_board_exact(jf: Jifen, clock: FakeClock) -> None:
    program = _shop(jf, clock)
    before = _scores(jf)

    def order(i: int) -> EarnResult:
        member = MEMBERS[i % 4]
        paid = f"{20 + i}.00"
        return buy(jf, program, member, f"o-{i}", paid, line("pork", 1, paid, "meat"))

    ok, failed = split(run_together(32, order))
    assert failed == []
    _check(jf, program, ok)
    after = _scores(jf)
    for member in MEMBERS:
        mine = [r for r in ok if r.member == member]
        gained = sum(r.points + sum(c["points"] for c in r.meta.get("challenges", []))
                     for r in mine)  # fmt: skip
        assert after[member] - before.get(member, 0) == gained


def test_a_group_of_orders_keeps_the_board_exact(jf: Jifen, clock: FakeClock) -> None:
    program = _shop(jf, clock)
    before = _scores(jf)
    groups = groups_of(jf)
    with held(groups, program, "P"):
        futures = [
            groups.submit(program, PlaceOrder(f"g-{i}", MEMBERS[i % 4], f"{20 + i}.00",
                                              (line("pork", 1, f"{20 + i}.00", "meat"),)))
            for i in range(32)
        ]  # fmt: skip
    results = answers(futures)
    assert all(isinstance(r, EarnResult) for r in results)
    ok = [r for r in results if isinstance(r, EarnResult)]
    _check(jf, program, ok)
    after = _scores(jf)
    for member in MEMBERS:
        gained = sum(r.points + sum(c["points"] for c in r.meta.get("challenges", []))
                     for r in ok if r.member == member)  # fmt: skip
        assert after[member] - before.get(member, 0) == gained


def _scores(jf: Jifen) -> dict[str, int]:
    with jf.engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT m.external_id, s.score FROM leaderboard_scores s"
            " JOIN members m ON m.id = s.member_id WHERE s.board_id = 'monthly-points'"
        )).all())  # fmt: skip


def test_two_transactions_moving_count_rows_in_opposite_orders_never_deadlock(
    jf: Jifen, clock: FakeClock
) -> None:
    """Given two transactions that each move two members' scores, one through count rows
    100 then 300 and the other 300 then 100 (as two orders of a group written one by one
    would), when both run at once, then both commit: count rows are written last, in one
    order, at commit (ADR 0035)."""
    program = _shop(jf, clock)
    ids = {}
    with jf.uow(write=False) as uow:
        for m in ("ANN", "BO", "CY", "DI"):
            found = uow.members.get(program.id, m)
            assert found is not None
            ids[m] = found.id
    place = ("monthly-points", "month:2026-12", "")
    both = threading.Barrier(2)

    def run(first: tuple[str, int], second: tuple[str, int]) -> bool:
        with jf.uow() as uow:
            for n, (member, score) in enumerate((first, second)):
                uow.members.lock_by_id(ids[member])
                change = ScoreChange(place, ids[member], None, score)
                uow.leaderboards.write(program.id, [change], False, jf.clock.now())
                if n == 0:
                    both.wait(timeout=10)
            uow.commit()
        return True

    results = run_together(2, lambda i: run(("ANN", 100), ("BO", 300)) if i == 0
                           else run(("CY", 300), ("DI", 100)))  # fmt: skip
    assert [r for r in results if isinstance(r, Exception)] == []
    with jf.engine.connect() as conn:
        counted = dict(conn.execute(text(
            "SELECT key, n FROM leaderboard_counts WHERE board_id = 'monthly-points'"
            " AND level = 0 AND key IN (100, 300)"
        )).all())  # fmt: skip
    assert counted == {100: 2, 300: 2}

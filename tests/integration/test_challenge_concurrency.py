"""PostgreSQL: 32 orders at once for the same members move their challenges exactly, and
each round's reward is given once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.services.earning.commands import PlaceOrder
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import FakeClock, assert_verified
from tests.integration.test_concurrency import jf, run_together, split
from tests.integration.test_group_commit import answers, groups_of, held

pytestmark = pytest.mark.postgres
__all__ = ["jf"]  # the PostgreSQL-only fixture of the concurrency tests

DECEMBER = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


def test_concurrent_orders_reach_a_goal_once_with_the_exact_tally(
    jf: Jifen, clock: FakeClock
) -> None:
    """Given two members each sending 16 orders of 40 yuan at once in December, then each
    tally is exactly 640 yuan and the 500-yuan challenge paid each member once (300
    points), whichever order crossed the goal."""
    program = publish(jf)
    for member in ("ANN", "BO"):
        join(jf, program, member)
    clock.set(DECEMBER)

    def order(i: int) -> object:
        member = ("ANN", "BO")[i % 2]
        return buy(jf, program, member, f"o-{i}", "40.00", line("pork", 1, "40.00", "meat"))

    ok, failed = split(run_together(32, order))
    assert failed == []
    crossed = [r for r in ok if r.meta.get("challenges")]  # type: ignore[attr-defined]
    assert sorted(r.member for r in crossed) == ["ANN", "BO"]  # type: ignore[attr-defined]
    with jf.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT m.external_id, p.value, p.done_at IS NOT NULL FROM challenge_progress p"
                " JOIN members m ON m.id = p.member_id WHERE p.challenge_id = 'december-500'"
                " ORDER BY 1"
            )
        ).all()
        paid = conn.execute(
            text("SELECT COUNT(*), SUM(amount) FROM lots WHERE source = 'challenge'")
        ).one()
    assert [tuple(r) for r in rows] == [("ANN", 64000, True), ("BO", 64000, True)]
    assert tuple(paid) == (2, 600)
    assert_verified(jf)


def test_a_group_of_orders_moves_a_challenge_in_its_one_write_and_pays_once(
    jf: Jifen, clock: FakeClock
) -> None:
    """Given 20 orders of 40 yuan for one member written as one group (one transaction,
    its rows written together at the end), then the member's December tally is 800 yuan,
    the order that crossed 500 says so, and the 300 points are paid once."""
    program = publish(jf)
    join(jf, program, "ANN")
    join(jf, program, "P")
    clock.set(DECEMBER)
    groups = groups_of(jf)
    meat = line("pork", 1, "40.00", "meat")
    with held(groups, program, "P"):
        futures = [
            groups.submit(program, PlaceOrder(f"g-{i}", "ANN", "40.00", (meat,))) for i in range(20)
        ]
    results = answers(futures)
    assert list(groups.sizes) == [1, 20]
    crossed = [i for i, r in enumerate(results) if r.meta.get("challenges")]  # type: ignore[union-attr]
    assert crossed == [12]  # 13 x 40 = 520: the thirteenth
    with jf.engine.connect() as conn:
        value = conn.execute(
            text("SELECT value FROM challenge_progress WHERE challenge_id = 'december-500'"
                 " AND member_id = (SELECT id FROM members WHERE external_id = 'ANN')")
        ).scalar_one()  # fmt: skip
        paid = conn.execute(text("SELECT SUM(amount) FROM lots WHERE source = 'challenge'"))
        assert paid.scalar_one() == 300
    assert value == 80000
    assert_verified(jf)

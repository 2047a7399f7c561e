"""The set-based nightly pipeline writes exactly what the per-member path writes.

Two databases get the same random population (pending, expiring and grace
lots, spends, holds outliving their lots, reversals, debt under ``allow``).
One is settled member by member (``settle_each_member``: the code every spend
runs first), the other by the nightly pipeline in small chunks, at the same
cut-off. Their ledgers, with ids normalised, must be equal, and both verify.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.programs import NegativeBalancePolicy
from jifen.services.nightly import pipeline, settlement
from tests.factories import FakeClock, assert_verified, make_program
from tests.pipeline_fixtures import CUTOFF, DAY, apply, plan, state

CASES = [
    pytest.param(1, NegativeBalancePolicy.FLOOR, timedelta(days=2), 1, id="floor-grace"),
    pytest.param(2, NegativeBalancePolicy.ALLOW, timedelta(days=2), 1, id="allow-grace"),
    pytest.param(3, NegativeBalancePolicy.ALLOW, timedelta(0), 1, id="allow-forfeit"),
    pytest.param(4, NegativeBalancePolicy.FLOOR, timedelta(days=30), 1, id="floor-long-grace"),
    # members split into three id ranges, each walked by its own thread
    pytest.param(5, NegativeBalancePolicy.ALLOW, timedelta(days=2), 3, id="allow-three-lanes"),
    pytest.param(6, NegativeBalancePolicy.FLOOR, timedelta(0), 3, id="floor-forfeit-three-lanes"),
]


@pytest.mark.parametrize(("seed", "policy", "grace", "lanes"), CASES)
def test_the_pipeline_settles_exactly_as_the_per_member_path(
    jf: Jifen,
    twin: Jifen,
    clock: FakeClock,
    seed: int,
    policy: NegativeBalancePolicy,
    grace: timedelta,
    lanes: int,
) -> None:
    # given the same population in two databases
    ops = plan(seed)
    books = []
    for app in (jf, twin):
        assert isinstance(app.clock, FakeClock)
        made = make_program(app, negative_balance=policy, returned_points_grace=timedelta(days=2))
        # a zero grace (forfeit) is refused for a programme file, but the ledger supports it
        program = replace(made, policy=replace(made.policy, returned_points_grace=grace))
        played = apply(app, app.clock, program, ops)
        books.append((app, program, played))
    assert books[0][2].outcomes == books[1][2].outcomes
    before = state(jf)
    assert before == state(twin)
    # when one is settled member by member at the cut-off, the other by the pipeline
    (_, program_a, _), (_, program_b, _) = books
    clock.set(CUTOFF)
    one_by_one = settlement.settle_each_member(jf.uow, clock, program_a)
    assert isinstance(twin.clock, FakeClock)
    twin.clock.set(CUTOFF + timedelta(hours=2))
    night = pipeline.run_night(
        twin.uow, twin.clock, twin.locks, twin.rulebooks, program_b, DAY, chunk=3, lanes=lanes
    )
    # then both wrote the same ledger, and something was settled in each way
    after = state(jf)
    assert after == state(twin)
    assert after != before
    counts = {s.name: s.counts for s in night.steps}
    assert sum(s.counts.get("entries", 0) for s in night.steps) == one_by_one.entries
    assert counts["release_holds"]["holds"] > 0
    assert counts["mature_pending"]["lots"] > 0
    assert counts["expire_lots"]["lots"] > 0
    # some hold outlived a lot it drew from: its points came back as a grace lot (or forfeited)
    ended = "reissued" if grace else "forfeited"
    new = [e for e in after["entries"] if e[0] not in {b[0] for b in before["entries"]}]
    assert any(e[1]["kind"] == "release" and ended in e[2] for e in new)
    if policy is NegativeBalancePolicy.ALLOW:
        assert sum(c["in_debt"] for c in counts.values() if "in_debt" in c) > 0
    assert_verified(jf)
    assert_verified(twin)

"""The nightly pipeline is idempotent, resumable, and runs a local day's night.

A crash is a real interruption: a clock that fails on its n-th reading (the
pipeline reads it inside each chunk's transaction, before committing), or a
progress callback that fails after a chunk committed. The run is then
repeated and must end exactly where an uninterrupted run ends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import InvalidInput
from jifen.domain.programs import NegativeBalancePolicy, Program
from jifen.services import ledger
from jifen.services import nightly as pipeline
from jifen.services.ledger.commands import Earn, Redeem, Reverse
from jifen.services.nightly import settlement
from jifen.services.nightly.lanes import StepProgress
from tests.factories import FakeClock, assert_verified, balances, key, make_member, make_program
from tests.pipeline_fixtures import CUTOFF, DAY, apply, plan, rows, state


class PowerCut(Exception):
    pass


class CrashingClock(FakeClock):
    """A fake clock that fails on its ``at``-th reading, as a machine losing power would."""

    def __init__(self, now: datetime, at: int) -> None:
        super().__init__(now)
        self.readings = 0
        self.at = at

    def now(self) -> datetime:
        self.readings += 1
        if self.readings == self.at:
            raise PowerCut(f"reading {self.at}")
        return super().now()


def populated(app: Jifen) -> Program:
    assert isinstance(app.clock, FakeClock)
    program = make_program(app)
    apply(app, app.clock, program, plan(7))
    app.clock.set(CUTOFF + timedelta(hours=2))
    return program


def checkpoints(app: Jifen) -> list[tuple[str, int, bool]]:
    found = rows(app, "SELECT step, cursor, finished_at FROM pipeline_runs ORDER BY step")
    return [(r["step"], r["cursor"], r["finished_at"] is not None) for r in found]


def test_running_the_same_night_twice_changes_nothing(jf: Jifen) -> None:
    # given a night that ran to the end
    program = populated(jf)
    first = pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, DAY, chunk=4)
    assert not first.already_done
    settled = state(jf, reminders=True)
    # when it runs again
    second = pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, DAY, chunk=4)
    # then every step says it was done already, and no row changed
    assert second.already_done
    assert [s.counts for s in second.steps] == [s.counts for s in first.steps]
    assert state(jf, reminders=True) == settled
    assert all(done for _, _, done in checkpoints(jf))


def test_a_night_forgotten_by_its_checkpoints_still_finds_nothing_to_do(jf: Jifen) -> None:
    # given a night that ran, whose checkpoints are then lost
    program = populated(jf)
    pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, DAY, chunk=4)
    settled = state(jf, reminders=True)
    with jf.engine.begin() as conn:
        conn.execute(text("DELETE FROM pipeline_runs"))
    # when it runs again: then it writes nothing (what was due is settled, reminders were sent)
    again = pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, DAY, chunk=4)
    assert all(s.counts.get("entries", 0) == 0 for s in again.steps)
    assert all(s.counts.get("events", 0) == 0 for s in again.steps)
    assert state(jf, reminders=True) == settled


# Readings 2n are the checkpoint read as a chunk begins, 2n+1 the checkpoint written
# after its work, before commit: these cut into every step, before and after work.
@pytest.mark.parametrize("reading", [4, 9, 16, 31])
def test_a_crash_inside_a_chunk_resumes_after_the_last_committed_chunk(
    jf: Jifen, twin: Jifen, reading: int
) -> None:
    # given the same population in two databases; one runs its night uninterrupted
    expected_program = populated(twin)
    pipeline.run_night(
        twin.uow, twin.clock, twin.locks, twin.rulebooks, expected_program, DAY, chunk=3
    )
    program = populated(jf)
    # when the other loses power in the middle of a chunk
    crashing = CrashingClock(jf.clock.now(), reading)
    with pytest.raises(PowerCut):
        pipeline.run_night(jf.uow, crashing, jf.locks, jf.rulebooks, program, DAY, chunk=3)
    # then what committed is consistent, and the chunk in flight left nothing behind
    assert_verified(jf)
    ((step, cursor, _),) = [c for c in checkpoints(jf) if not c[2]]
    assert cursor > 0
    # and running again resumes there, and ends where the uninterrupted run ended
    night = pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, DAY, chunk=3)
    assert {s.name: s.resumed_after for s in night.steps}[step] == cursor
    assert state(jf, reminders=True) == state(twin, reminders=True)
    assert_verified(jf)


def test_a_crash_between_chunks_keeps_the_committed_ones(jf: Jifen, twin: Jifen) -> None:
    expected_program = populated(twin)
    pipeline.run_night(
        twin.uow, twin.clock, twin.locks, twin.rulebooks, expected_program, DAY, chunk=3
    )
    program = populated(jf)
    seen: list[StepProgress] = []

    def crash_on_the_third(p: StepProgress) -> None:
        seen.append(p)
        if len(seen) == 3:
            raise PowerCut("after the third chunk committed")

    with pytest.raises(PowerCut):
        pipeline.run_night(
            jf.uow,
            jf.clock,
            jf.locks,
            jf.rulebooks,
            program,
            DAY,
            chunk=3,
            progress=crash_on_the_third,
        )
    step, cursor = seen[-1].step, seen[-1].cursor
    assert (step, cursor, False) in checkpoints(jf)
    night = pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, DAY, chunk=3)
    resumed = {s.name: s.resumed_after for s in night.steps}
    assert resumed[step] == cursor
    assert state(jf, reminders=True) == state(twin, reminders=True)


def test_as_of_a_day_settles_what_is_due_by_its_local_midnight(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    # given points ending exactly at 2026-03-10 00:00 in Shanghai (16:00 UTC the day
    # before) and a second later, and pending points available at that midnight
    midnight = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    make_member(jf, program, "C-1", 100, expires_at=midnight)
    make_member(jf, program, "C-2", 100, expires_at=midnight + timedelta(seconds=1))
    make_member(jf, program, "C-3", 70, available_at=midnight)
    clock.set(midnight + timedelta(hours=2))
    # when the night of 2026-03-09 runs: nothing is due yet, it settles nothing
    # (what a read shows is as of now, two hours after: so the stored balances are read)
    pipeline.run_night(jf.uow, clock, jf.locks, jf.rulebooks, program, date(2026, 3, 9))
    stored = rows(jf, "SELECT available, pending, held FROM members ORDER BY external_id")
    assert [tuple(r.values()) for r in stored] == [
        (100, 0, 0),
        (100, 0, 0),
        (0, 70, 0),
    ]
    # and the night of 2026-03-10 expires the first and matures the pending points
    night = pipeline.run_night(jf.uow, clock, jf.locks, jf.rulebooks, program, date(2026, 3, 10))
    assert night.cutoff == midnight
    found = rows(jf, "SELECT kind, created_at FROM entries WHERE kind IN ('expire', 'mature')")
    assert sorted(r["kind"] for r in found) == ["expire", "mature"]
    with jf.uow(write=False) as uow:
        expired = uow.ledger.history(uow.members.get(program.id, "C-1").id, None, 1).entries[0]  # type: ignore[union-attr]
    assert (expired.kind.value, expired.created_at) == ("expire", midnight)
    stored = rows(jf, "SELECT available, pending, held FROM members ORDER BY external_id")
    assert [tuple(r.values()) for r in stored] == [
        (0, 0, 0),
        (100, 0, 0),  # a second after that midnight: the next night's
        (70, 0, 0),
    ]
    # though a read, two hours later, shows C-2's points ended too
    assert balances(jf, program, "C-2") == (0, 0, 0)
    assert_verified(jf)


def test_a_night_that_has_not_started_is_refused(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    # 2026-03-01 04:00 UTC is noon on 1 March in Shanghai: 2 March has not begun there
    with pytest.raises(InvalidInput) as refused:
        pipeline.run_night(jf.uow, clock, jf.locks, jf.rulebooks, program, date(2026, 3, 2))
    assert refused.value.params == {"field": "as_of"}
    assert checkpoints(jf) == []


def test_settle_now_settles_members_in_debt_one_by_one(jf: Jifen, clock: FakeClock) -> None:
    # given a debt of 40 (allow policy) and 100 pending points that are now due
    program = make_program(jf, negative_balance=NegativeBalancePolicy.ALLOW)
    make_member(jf, program, "C-1")
    earned = ledger.earn(jf.uow(), clock, program, Earn("C-1", 40), key())
    ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 40), key())
    ledger.reverse(jf.uow(), clock, program, Reverse(earned.entry_ids[0]), key())
    soon = clock.now() + timedelta(days=1)
    ledger.earn(jf.uow(), clock, program, Earn("C-1", 100, available_at=soon), key())
    assert balances(jf, program, "C-1") == (-40, 100, 0)
    clock.advance(days=2)
    # when what is due is settled: then maturing repays the debt first
    done = settlement.settle_due(jf.uow, clock, program)
    assert done.entries == 1
    assert balances(jf, program, "C-1") == (60, 0, 0)
    mature = rows(jf, "SELECT amount, delta_available FROM entries WHERE kind = 'mature'")
    assert mature == [{"amount": 100, "delta_available": 100}]
    assert rows(
        jf,
        "SELECT SUM(amount) AS repaid FROM draws WHERE amount > 0 AND lot_id = "
        "(SELECT MAX(id) FROM lots)",
    ) == [{"repaid": 40}]
    assert_verified(jf)


def test_a_crash_in_one_lane_stops_the_others_and_the_night_resumes_in_lanes(
    jf: Jifen, twin: Jifen
) -> None:
    # given the same population twice; one night runs uninterrupted in one lane
    expected_program = populated(twin)
    pipeline.run_night(
        twin.uow, twin.clock, twin.locks, twin.rulebooks, expected_program, DAY, chunk=2
    )
    program = populated(jf)
    # when a night in three lanes loses power part-way through
    crashing = CrashingClock(jf.clock.now(), 21)
    with pytest.raises(PowerCut):
        pipeline.run_night(jf.uow, crashing, jf.locks, jf.rulebooks, program, DAY, chunk=2, lanes=3)
    assert_verified(jf)
    steps = {name.split("#")[0] for name, _, _ in checkpoints(jf)}
    assert all("#" in name and name.endswith("/3") for name, _, _ in checkpoints(jf))
    assert not pipeline.night_done(jf.uow, jf.rulebooks, program, DAY)
    # then the same night in three lanes finishes it, exactly as one lane did
    night = pipeline.run_night(
        jf.uow, jf.clock, jf.locks, jf.rulebooks, program, DAY, chunk=2, lanes=3
    )
    assert [s.name for s in night.steps] == [s.name for s in pipeline.nightly(jf.rulebooks)]
    assert steps <= {s.name for s in night.steps}
    assert state(jf, reminders=True) == state(twin, reminders=True)
    assert pipeline.night_done(jf.uow, jf.rulebooks, program, DAY)
    assert_verified(jf)


def test_lanes_cover_every_member_once() -> None:
    lanes = pipeline.lanes_of(10, 3)
    assert [(x.after, x.until) for x in lanes] == [(0, 3), (3, 6), (6, pipeline.EVERYONE)]
    assert [x.key("expire_lots") for x in lanes] == [f"expire_lots#{i}/3" for i in (1, 2, 3)]
    assert pipeline.lanes_of(2, 8) == pipeline.lanes_of(2, 2)  # no lane without members
    assert pipeline.lanes_of(0, 4)[0].until == pipeline.EVERYONE

"""The nightly pipeline: ``jifen jobs run`` and the worker run it once per local day.

The run for local day D (``--as-of D``) settles everything due by D's first
instant in the programme's timezone, the *cut-off*; its entries are dated at
the cut-off, as the per-member path would date them had it run then. Steps run
in the order of :func:`nightly`, each a chunk of members per transaction, and
each chunk commits together with the step's checkpoint (``pipeline_runs``):
an interrupted run resumes after the last committed chunk, and a finished
step is not run again for the same day. Only one runner per programme at a
time (:class:`jifen.services.nightly.ports.JobLocks`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from jifen.domain.days import local_day
from jifen.domain.error_codes import NightlyCode
from jifen.domain.errors import Conflict, InvalidInput
from jifen.domain.nightly import cutoff as cutoff_of
from jifen.domain.programs import Program
from jifen.services import leaderboards
from jifen.services.nightly import reminders, settlement
from jifen.services.nightly.lanes import ONE_LANE, LaneRunner, StepProgress, StepReport, lanes_of
from jifen.services.nightly.ports import JobLocks, NightlyWork
from jifen.services.ports import Clock, WorkFactory
from jifen.services.rulebooks import Rulebooks
from jifen.services.steps import Step
from jifen.services.tiers import gift_step, review_step

JOB = "nightly"


CHUNK = settlement.CHUNK


def nightly(rulebooks: Rulebooks) -> tuple[Step[NightlyWork], ...]:
    """The steps, in order. Tier reviews run before birthday gifts, so a gift is
    that of the tier the member holds on their birthday (a member demoted on
    1 January and born that day gets the new tier's gift, not the old one's nor
    none), and running the gifts again for the same day gives the same answer.
    Reminders run last, to see the night's result."""
    return (
        *settlement.SETTLEMENT,
        Step("tier_reviews", review_step(rulebooks)),
        Step("birthday_gifts", gift_step(rulebooks)),
        Step("expiry_reminders", reminders.expiry_reminders),
    )


@dataclass(frozen=True)
class Night:
    program: str
    day: date
    cutoff: datetime
    steps: tuple[StepReport, ...]
    boards_frozen: int = 0  # leaderboard periods that ended, frozen and their prizes paid

    @property
    def already_done(self) -> bool:
        return all(s.already_done for s in self.steps)


def today(clock: Clock, program: Program) -> date:
    return local_day(clock.now(), program.tz)


def members_span(uow_factory: WorkFactory[NightlyWork], program: Program) -> int:
    """The highest member id: the pipeline walks members up to it, in id order."""
    with uow_factory(write=False) as uow:
        return uow.nightly.last_member_id(program.id)


def night_done(
    uow_factory: WorkFactory[NightlyWork], rulebooks: Rulebooks, program: Program, day: date
) -> bool:
    with uow_factory(write=False) as uow:
        states = uow.pipeline_runs.of_day(program.id, day)
    finished = {name for name, state in states.items() if state.finished}
    return all(_step_finished(s.name, finished) for s in nightly(rulebooks))


def _step_finished(name: str, finished: set[str]) -> bool:
    """Finished in one lane, or in every lane of a run split into lanes."""
    if name in finished:
        return True
    counts = {k.rsplit("/", 1)[1] for k in finished if k.startswith(f"{name}#")}
    return any(all(f"{name}#{i}/{n}" in finished for i in range(1, int(n) + 1)) for n in counts)


def run_night(
    uow_factory: WorkFactory[NightlyWork],
    clock: Clock,
    locks: JobLocks,
    rulebooks: Rulebooks,
    program: Program,
    day: date | None = None,
    *,
    chunk: int = CHUNK,
    steps: tuple[Step[NightlyWork], ...] | None = None,
    progress: Callable[[StepProgress], None] | None = None,
    lanes: int = 1,
) -> Night:
    """Run (or resume, or confirm done) the night of ``day`` (default: today, local).

    With ``lanes`` above one, the members are split into that many id ranges, each
    walked through every step, in order, by its own thread and connections: members
    never share a lane, so each still sees its steps in order, and the database's
    cores work side by side. A night resumed with another number of lanes runs the
    unfinished steps again from the start of each lane; every step is idempotent.
    """
    day = day or today(clock, program)
    if day > today(clock, program):
        raise InvalidInput(f"{day} has not started yet in {program.timezone}", field="as_of")
    if chunk < 1:
        raise InvalidInput("chunk must be at least 1 member", field="chunk")
    if lanes < 1:
        raise InvalidInput("lanes must be at least 1", field="lanes")
    cutoff = cutoff_of(day, program.tz)
    todo = steps if steps is not None else nightly(rulebooks)
    with locks.hold(program.id, JOB) as held:
        if not held:
            raise Conflict(
                f"the nightly pipeline of {program.code} is already running elsewhere",
                code=NightlyCode.JOB_RUNNING,
                program=program.code,
            )
        night = LaneRunner(uow_factory, clock, program, day, cutoff, chunk, progress)
        span = members_span(uow_factory, program)
        reports = night.run(todo, lanes_of(span, lanes) if lanes > 1 else (ONE_LANE,))
        frozen = leaderboards.freeze_finished(uow_factory, rulebooks, program, cutoff)
    return Night(program.code, day, cutoff, reports, frozen)

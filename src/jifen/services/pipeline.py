"""The nightly pipeline: ``jifen jobs run`` and the worker run it once per local day.

The run for local day D (``--as-of D``) settles everything due by D's first
instant in the programme's timezone, the *cut-off*; its entries are dated at
the cut-off, as the per-member path would date them had it run then. Steps run
in the order of :func:`nightly`, each a chunk of members per transaction, and
each chunk commits together with the step's checkpoint (``pipeline_runs``):
an interrupted run resumes after the last committed chunk, and a finished
step is not run again for the same day. Only one runner per programme at a
time (:class:`jifen.services.ports.JobLocks`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from jifen.domain.days import local_day
from jifen.domain.errors import Conflict, InvalidInput
from jifen.domain.nightly import cutoff as cutoff_of
from jifen.domain.programs import Program
from jifen.services import birthdays, reminders, settlement, tiers
from jifen.services.ports import Clock, JobLocks, UnitOfWorkFactory
from jifen.services.rulebooks import Rulebooks
from jifen.services.steps import Step, add_counts

JOB = "nightly"
CHUNK = settlement.CHUNK


def nightly(rulebooks: Rulebooks) -> tuple[Step, ...]:
    """The steps, in order. Tier reviews run before birthday gifts, so a gift is
    that of the tier the member holds on their birthday (a member demoted on
    1 January and born that day gets the new tier's gift, not the old one's nor
    none), and running the gifts again for the same day gives the same answer.
    Reminders run last, to see the night's result."""
    return (
        *settlement.SETTLEMENT,
        Step("tier_reviews", tiers.review_step(rulebooks)),
        Step("birthday_gifts", birthdays.gift_step(rulebooks)),
        Step("expiry_reminders", reminders.expiry_reminders),
    )


@dataclass(frozen=True)
class StepProgress:
    step: str
    cursor: int  # the last member id done
    counts: Mapping[str, int]
    done: bool


@dataclass(frozen=True)
class StepReport:
    name: str
    counts: Mapping[str, int]
    already_done: bool  # finished by an earlier run of the same day
    resumed_after: int | None  # an interrupted run had got this far
    chunks: int  # chunks this run committed


@dataclass(frozen=True)
class Night:
    program: str
    day: date
    cutoff: datetime
    steps: tuple[StepReport, ...]

    @property
    def already_done(self) -> bool:
        return all(s.already_done for s in self.steps)


def today(clock: Clock, program: Program) -> date:
    return local_day(clock.now(), program.tz)


def members_span(uow_factory: UnitOfWorkFactory, program: Program) -> int:
    """The highest member id: the pipeline walks members up to it, in id order."""
    with uow_factory(write=False) as uow:
        return uow.nightly.last_member_id(program.id)


def night_done(
    uow_factory: UnitOfWorkFactory, rulebooks: Rulebooks, program: Program, day: date
) -> bool:
    with uow_factory(write=False) as uow:
        states = uow.pipeline_runs.of_day(program.id, day)
    return all(s.name in states and states[s.name].finished for s in nightly(rulebooks))


def run_night(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    locks: JobLocks,
    rulebooks: Rulebooks,
    program: Program,
    day: date | None = None,
    *,
    chunk: int = CHUNK,
    steps: tuple[Step, ...] | None = None,
    progress: Callable[[StepProgress], None] | None = None,
) -> Night:
    """Run (or resume, or confirm done) the night of ``day`` (default: today, local)."""
    day = day or today(clock, program)
    if day > today(clock, program):
        raise InvalidInput(f"{day} has not started yet in {program.timezone}", field="as_of")
    if chunk < 1:
        raise InvalidInput("chunk must be at least 1 member", field="chunk")
    cutoff = cutoff_of(day, program.tz)
    with locks.hold(program.id, JOB) as held:
        if not held:
            raise Conflict(
                f"the nightly pipeline of {program.code} is already running elsewhere",
                code="job_running",
                program=program.code,
            )
        reports = tuple(
            _run_step(uow_factory, clock, program, day, cutoff, step, chunk, progress)
            for step in (steps if steps is not None else nightly(rulebooks))
        )
    return Night(program.code, day, cutoff, reports)


def _run_step(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    program: Program,
    day: date,
    cutoff: datetime,
    step: Step,
    limit: int,
    progress: Callable[[StepProgress], None] | None,
) -> StepReport:
    chunks = 0
    resumed_after: int | None = None
    while True:
        with uow_factory() as uow:
            state = uow.pipeline_runs.begin(program.id, day, step.name, cutoff, clock.now())
            if state.finished:
                return StepReport(step.name, state.counts, chunks == 0, resumed_after, chunks)
            if chunks == 0 and not state.fresh:
                resumed_after = state.cursor
            part = step.run(uow, program, cutoff, state.cursor, limit)
            counts = add_counts(state.counts, part.counts)
            uow.pipeline_runs.advance(
                program.id, day, step.name, part.cursor, counts, clock.now(), finished=part.done
            )
            uow.commit()
        chunks += 1
        if progress is not None:
            progress(StepProgress(step.name, part.cursor, counts, part.done))
        if part.done:
            return StepReport(step.name, counts, False, resumed_after, chunks)

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

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from jifen.domain.days import local_day
from jifen.domain.errors import Conflict, InvalidInput
from jifen.domain.nightly import cutoff as cutoff_of
from jifen.domain.programs import Program
from jifen.services import birthdays, reminders, settlement, tiers
from jifen.services.ports import Clock, JobLocks, UnitOfWorkFactory
from jifen.services.rulebooks import Rulebooks
from jifen.services.steps import EVERYONE, Step, add_counts

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
    finished = {name for name, state in states.items() if state.finished}
    return all(_step_finished(s.name, finished) for s in nightly(rulebooks))


def _step_finished(name: str, finished: set[str]) -> bool:
    """Finished in one lane, or in every lane of a run split into lanes."""
    if name in finished:
        return True
    counts = {k.rsplit("/", 1)[1] for k in finished if k.startswith(f"{name}#")}
    return any(all(f"{name}#{i}/{n}" in finished for i in range(1, int(n) + 1)) for n in counts)


@dataclass(frozen=True)
class Lane:
    """A contiguous range of member ids, ``(after, until]``, walked by one thread."""

    index: int
    count: int
    after: int
    until: int

    def key(self, step: str) -> str:
        """The step's checkpoint name: the step itself, or one lane of it."""
        return step if self.count == 1 else f"{step}#{self.index}/{self.count}"


def lanes_of(span: int, count: int) -> tuple[Lane, ...]:
    """``count`` lanes of about equal id ranges over ids up to ``span``; the last is open."""
    count = max(1, min(count, span))
    bounds = [span * i // count for i in range(count)] + [EVERYONE]
    return tuple(Lane(i + 1, count, bounds[i], bounds[i + 1]) for i in range(count))


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
                code="job_running",
                program=program.code,
            )
        night = _Night(uow_factory, clock, program, day, cutoff, chunk, progress)
        span = members_span(uow_factory, program)
        reports = night.run(todo, lanes_of(span, lanes) if lanes > 1 else (_ONE,))
    return Night(program.code, day, cutoff, reports)


_ONE = Lane(1, 1, 0, EVERYONE)


class _Stopped(Exception):
    """Another lane failed: this one stops after its current chunk."""


@dataclass
class _Night:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    program: Program
    day: date
    cutoff: datetime
    limit: int
    progress: Callable[[StepProgress], None] | None
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: dict[tuple[str, int], StepProgress] = field(default_factory=dict)

    def run(self, steps: tuple[Step, ...], lanes: tuple[Lane, ...]) -> tuple[StepReport, ...]:
        if len(lanes) == 1:
            return tuple(self.step(step, lanes[0], 1) for step in steps)
        with ThreadPoolExecutor(len(lanes), thread_name_prefix="night-lane") as pool:
            futures = [pool.submit(self.lane, steps, lane) for lane in lanes]
            wait(futures, return_when=FIRST_EXCEPTION)
            if any(f.done() and f.exception() for f in futures):
                self.stop.set()
            wait(futures)
        per_lane = [f.result() for f in _first_error_last(futures)]
        return tuple(_merge(step.name, [r[i] for r in per_lane]) for i, step in enumerate(steps))

    def lane(self, steps: tuple[Step, ...], lane: Lane) -> list[StepReport]:
        return [self.step(step, lane, lane.count) for step in steps]

    def step(self, step: Step, lane: Lane, lanes: int) -> StepReport:
        key = lane.key(step.name)
        chunks = 0
        resumed_after: int | None = None
        while True:
            if self.stop.is_set():
                raise _Stopped
            with self.uow_factory() as uow:
                state = uow.pipeline_runs.begin(
                    self.program.id, self.day, key, self.cutoff, self.clock.now()
                )
                if state.finished:
                    return StepReport(step.name, state.counts, chunks == 0, resumed_after, chunks)
                if chunks == 0 and not state.fresh:
                    resumed_after = state.cursor
                cursor = max(state.cursor, lane.after)
                part = step.run(uow, self.program, self.cutoff, cursor, self.limit, lane.until)
                counts = add_counts(state.counts, part.counts)
                done = part.done or part.cursor >= lane.until
                uow.pipeline_runs.advance(
                    self.program.id,
                    self.day,
                    key,
                    part.cursor,
                    counts,
                    self.clock.now(),
                    finished=done,
                )
                uow.commit()
            chunks += 1
            self.tell(StepProgress(step.name, part.cursor, counts, done), lane, lanes)
            if done:
                return StepReport(step.name, counts, False, resumed_after, chunks)

    def tell(self, p: StepProgress, lane: Lane, lanes: int) -> None:
        if self.progress is None:
            return
        if lanes == 1:
            self.progress(p)
            return
        with self.lock:  # one report for the step: every lane's progress, summed
            self.seen[(p.step, lane.index)] = replace(p, cursor=max(0, p.cursor - lane.after))
            parts = [self.seen.get((p.step, i)) for i in range(1, lanes + 1)]
            counts: dict[str, int] = {}
            for part in parts:
                counts = add_counts(counts, part.counts if part else {})
            done = all(part is not None and part.done for part in parts)
            covered = sum(part.cursor for part in parts if part)
            self.progress(StepProgress(p.step, covered, counts, done))


def _first_error_last(futures: list[Future[list[StepReport]]]) -> list[Future[list[StepReport]]]:
    """Raise the real failure, not a lane that stopped because of it."""
    failed = [f for f in futures if f.exception() and not isinstance(f.exception(), _Stopped)]
    return failed + [f for f in futures if f not in failed]


def _merge(name: str, reports: list[StepReport]) -> StepReport:
    counts: dict[str, int] = {}
    for r in reports:
        counts = add_counts(counts, r.counts)
    resumed = [r.resumed_after for r in reports if r.resumed_after is not None]
    return StepReport(
        name,
        counts,
        all(r.already_done for r in reports),
        min(resumed) if resumed else None,
        sum(r.chunks for r in reports),
    )

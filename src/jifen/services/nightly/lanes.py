"""Walking the members through a night's steps: one lane, or several side by side.

Each chunk commits together with its step's checkpoint (``pipeline_runs``), so
an interrupted run resumes after the last committed chunk, and a finished step
is not run again for the same day.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from jifen.domain.programs import Program
from jifen.services.nightly.ports import NightlyWork
from jifen.services.ports import Clock, WorkFactory
from jifen.services.steps import EVERYONE, Step, add_counts


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


ONE_LANE = Lane(1, 1, 0, EVERYONE)


class LaneStopped(Exception):
    """Another lane failed: this one stops after its current chunk."""


@dataclass
class LaneRunner:
    uow_factory: WorkFactory[NightlyWork]
    clock: Clock
    program: Program
    day: date
    cutoff: datetime
    limit: int
    progress: Callable[[StepProgress], None] | None
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: dict[tuple[str, int], StepProgress] = field(default_factory=dict)

    def run(
        self, steps: tuple[Step[NightlyWork], ...], lanes: tuple[Lane, ...]
    ) -> tuple[StepReport, ...]:
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

    def lane(self, steps: tuple[Step[NightlyWork], ...], lane: Lane) -> list[StepReport]:
        return [self.step(step, lane, lane.count) for step in steps]

    def step(self, step: Step[NightlyWork], lane: Lane, lanes: int) -> StepReport:
        key = lane.key(step.name)
        chunks = 0
        resumed_after: int | None = None
        while True:
            if self.stop.is_set():
                raise LaneStopped
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
    failed = [f for f in futures if f.exception() and not isinstance(f.exception(), LaneStopped)]
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

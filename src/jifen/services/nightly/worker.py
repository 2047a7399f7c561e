"""The worker's day: drain the outbox, and run each programme's night once it is due.

Every round also ends held redemptions whose hold has run out, so that their
stock is back on sale within a round, not the next night; and forgets the doors'
stale secrets and attempts (an expired code's seed and ticket, attempts older than a
day), so that no copy of the database holds an expired code's seed for longer than a
round, whether or not anyone asks for a code (ADR 0015).

A programme's night for local day D is due from ``run_at`` (local time, in
the programme's timezone) on D, until it has finished. A worker that was down
at ``run_at`` runs it when it comes back; a day it missed altogether is
covered by the next night, which settles everything due by its own cut-off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from jifen.domain.days import local_day
from jifen.domain.errors import Conflict
from jifen.domain.programs import Program
from jifen.services.access import Forgotten, forget_stale
from jifen.services.nightly import outbox, pipeline
from jifen.services.nightly.lanes import StepProgress
from jifen.services.nightly.ports import JobLocks, NightlyWork
from jifen.services.ports import Clock, Publisher, WorkFactory
from jifen.services.redemption import lapse_held
from jifen.services.rulebooks import Rulebooks


@dataclass(frozen=True)
class Tick:
    published: int
    nights: tuple[pipeline.Night, ...] = ()
    busy: tuple[str, ...] = ()  # programmes whose night another worker is running
    lapsed: int = 0  # held redemptions whose hold ended: stock given back
    forgotten: Forgotten = field(
        default_factory=Forgotten
    )  # expired codes' seeds, day-old door attempts


def due_day(program: Program, now: datetime, run_at: time) -> date | None:
    """The local day whose night may run at ``now``, if ``run_at`` has passed today."""
    local = now.astimezone(program.tz)
    return local_day(now, program.tz) if local.time() >= run_at else None


def tick(
    uow_factory: WorkFactory[NightlyWork],
    clock: Clock,
    locks: JobLocks,
    rulebooks: Rulebooks,
    publisher: Publisher,
    run_at: time,
    *,
    chunk: int = pipeline.CHUNK,
    lanes: int = 1,
    batch: int = 500,
    progress: Callable[[StepProgress], None] | None = None,
) -> Tick:
    """One round: forget the doors' stale secrets, drain, run the nights that are due and
    not done, drain again."""
    forgotten = forget_stale(uow_factory, clock)  # first: a sink that is down stops the round
    published = outbox.drain(uow_factory, clock, locks, publisher, batch=batch)
    with uow_factory(write=False) as uow:
        programs = uow.programs.all()
    nights: list[pipeline.Night] = []
    busy: list[str] = []
    lapsed = 0
    for program in programs:
        lapsed += lapse_held(uow_factory, clock, program)
        day = due_day(program, clock.now(), run_at)
        if day is None or pipeline.night_done(uow_factory, rulebooks, program, day):
            continue
        try:
            night = pipeline.run_night(
                uow_factory,
                clock,
                locks,
                rulebooks,
                program,
                day,
                chunk=chunk,
                progress=progress,
                lanes=lanes,
            )
            nights.append(night)
        except Conflict as exc:
            if exc.code != "job_running":
                raise
            busy.append(program.code)
    if nights:
        published += outbox.drain(uow_factory, clock, locks, publisher, batch=batch)
    return Tick(published, tuple(nights), tuple(busy), lapsed, forgotten)

"""The shape of a nightly pipeline step: one chunk of members per call.

A step is a name and a function ``(uow, program, cutoff, cursor, limit, until) -> Chunk``
that does the work due by ``cutoff`` for up to ``limit`` members with ids above
``cursor`` and at most ``until`` (a lane's end; :data:`EVERYONE` for all of them),
inside the caller's transaction, and says where it stopped. The
pipeline commits the chunk together with its checkpoint, so a step must only
write through ``uow`` and must be safe to run again after a crash: a chunk
either committed with its checkpoint or left nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from jifen.domain.programs import Program
from jifen.services.ports import Transaction, WorkFactory


@dataclass(frozen=True)
class Chunk:
    cursor: int  # the last member id this chunk covered: the next chunk starts after it
    done: bool  # no member after ``cursor`` has work for this step
    counts: Mapping[str, int] = field(default_factory=dict)


W = TypeVar("W", bound=Transaction)
StepFn = Callable[[W, Program, datetime, int, int, int], Chunk]
EVERYONE = 2**62  # an ``until`` past every member id


@dataclass(frozen=True)
class Step(Generic[W]):
    name: str
    run: StepFn[W]


def add_counts(total: Mapping[str, int], more: Mapping[str, int]) -> dict[str, int]:
    summed = dict(total)
    for key, value in more.items():
        summed[key] = summed.get(key, 0) + value
    return summed


def run_through(
    uow_factory: WorkFactory[W],
    program: Program,
    cutoff: datetime,
    steps: tuple[Step[W], ...],
    *,
    chunk: int,
) -> dict[str, dict[str, int]]:
    """Run ``steps`` to the end for ``cutoff`` with no checkpoint, a chunk per transaction.

    For the commands that do one part of the night on demand (``jifen settle``,
    ``jifen tier review``): each step is idempotent, so running it again for the
    same cut-off changes nothing. Returns each step's summed counts.
    """
    totals: dict[str, dict[str, int]] = {}
    for step in steps:
        cursor, done = 0, False
        counts: dict[str, int] = {}
        while not done:
            with uow_factory() as uow:
                part = step.run(uow, program, cutoff, cursor, chunk, EVERYONE)
                uow.commit()
            cursor, done = part.cursor, part.done
            counts = add_counts(counts, part.counts)
        totals[step.name] = counts
    return totals

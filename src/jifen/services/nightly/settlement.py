"""Settling what is due: expired holds, pending points past their date, lots past their end.

Three steps of the nightly pipeline, each run a chunk of members at a time in
member id order, set-based (:class:`jifen.services.ports.Nightly`): the chunk's
members are locked in id order, then a handful of statements write for all of
them the same entries, draws, lots, holds, balances and outbox events that the
per-member path (:func:`jifen.services.ledger.settled`, which every spend runs
first) writes at the same instant.

Members in debt (a negative available balance, under the ``allow`` policy)
are the exception: what they get back or mature repays the debt first, so
they go through the per-member path, one by one, inside the same chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jifen.domain.programs import Program
from jifen.services.ledger import Book, settled
from jifen.services.nightly.ports import Applied, DueWork, NightlyWork
from jifen.services.ports import Clock, WorkFactory
from jifen.services.steps import Chunk, Step, StepFn, run_through

CHUNK = 5000  # members per transaction; see docs/adr/0005


@dataclass(frozen=True)
class Settled:
    members: int  # member settlements, counted once per step that touched them
    entries: int


def settle_member(uow: NightlyWork, program: Program, member_id: int, now: datetime) -> int:
    """The per-member path for one member (locked here): how many entries it wrote."""
    book = Book(program, uow.members.lock_by_id(member_id))
    settled(uow, book, now)
    return len(book.settled_ids)


def settle_each_member(
    uow_factory: WorkFactory[NightlyWork], clock: Clock, program: Program, *, batch: int = 500
) -> Settled:
    """Every member with something due, one transaction each, by the per-member path.

    The reference the set-based steps are tested against; ``settle_due`` is what runs.
    """
    now = clock.now()
    members = entries = 0
    while True:
        with uow_factory(write=False) as uow:
            due = set(uow.ledger.members_due(program.id, now, batch))
            due.update(h.member_id for h in uow.ledger.due_holds(program.id, now, batch))
        if not due:
            return Settled(members, entries)
        for member_id in sorted(due):
            with uow_factory() as uow:
                entries += settle_member(uow, program, member_id, now)
                uow.commit()
            members += 1


def _settling(
    due: DueWork, apply: Callable[[NightlyWork, Program, datetime], Applied]
) -> StepFn[NightlyWork]:
    def run(
        uow: NightlyWork, program: Program, cutoff: datetime, cursor: int, limit: int, until: int
    ) -> Chunk:
        staged = uow.nightly.stage(program.id, due, cutoff, cursor, limit, until)
        one_by_one = sum(settle_member(uow, program, m, cutoff) for m in staged.debtors)
        done = apply(uow, program, cutoff)
        counts = {
            "members": done.members + len(staged.debtors),
            "entries": done.entries + one_by_one,
            "lots": done.lots,
            "points": done.points,
            "in_debt": len(staged.debtors),
        }
        if due is DueWork.HOLDS:
            counts["holds"] = done.holds
        return Chunk(staged.last_member_id or cursor, staged.members < limit, counts)

    return run


release_holds = _settling(
    DueWork.HOLDS,
    lambda uow, program, cutoff: uow.nightly.release_holds(
        program.id, cutoff, program.policy.returned_points_grace
    ),
)
mature_pending = _settling(
    DueWork.PENDING, lambda uow, program, cutoff: uow.nightly.mature(program.id, cutoff)
)
expire_lots = _settling(
    DueWork.EXPIRY, lambda uow, program, cutoff: uow.nightly.expire(program.id, cutoff)
)

SETTLEMENT: tuple[Step[NightlyWork], ...] = (
    Step("release_holds", release_holds),
    Step("mature_pending", mature_pending),
    Step("expire_lots", expire_lots),
)


def settle_due(
    uow_factory: WorkFactory[NightlyWork], clock: Clock, program: Program, *, chunk: int = CHUNK
) -> Settled:
    """Settle everything due now across the programme (``jifen settle``).

    The nightly pipeline's settlement steps with the current instant as the
    cut-off and no checkpoint: running it twice changes nothing the second time.
    """
    totals = run_through(uow_factory, program, clock.now(), SETTLEMENT, chunk=chunk)
    return Settled(
        sum(c.get("members", 0) for c in totals.values()),
        sum(c.get("entries", 0) for c in totals.values()),
    )

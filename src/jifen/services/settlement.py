"""Settling what is due across a programme: expired holds, pending and expiring lots.

Each member is settled in its own short transaction, under its row lock, by
the same code a spend runs first; running it twice changes nothing the
second time. (The nightly pipeline replaces this loop by set-based SQL.)
"""

from __future__ import annotations

from dataclasses import dataclass

from jifen.domain.programs import Program
from jifen.services.ports import Clock, UnitOfWorkFactory
from jifen.services.posting import Book, settled

BATCH = 500


@dataclass(frozen=True)
class Settled:
    members: int
    entries: int


def settle_due(uow_factory: UnitOfWorkFactory, clock: Clock, program: Program) -> Settled:
    now = clock.now()
    members = entries = 0
    while True:
        with uow_factory(write=False) as uow:
            due = set(uow.ledger.members_due(program.id, now, BATCH))
            due.update(h.member_id for h in uow.ledger.due_holds(program.id, now, BATCH))
        if not due:
            return Settled(members, entries)
        for member_id in sorted(due):
            with uow_factory() as uow:
                book = Book(program, uow.members.lock_by_id(member_id))
                settled(uow, book, now)
                uow.commit()
            members += 1
            entries += len(book.settled_ids)

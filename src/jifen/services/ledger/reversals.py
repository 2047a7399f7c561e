"""Reversals: all or part of an earlier credit or debit undone, exactly, lot by lot."""

from __future__ import annotations

from datetime import datetime

from jifen.domain import ledger
from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import InvalidInput, NotFound
from jifen.domain.ledger import Account, Entry, EntryKind, Posting
from jifen.domain.points import require_points
from jifen.domain.programs import Program
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger.book import Book, settled
from jifen.services.ledger.clawback import clawback_parts
from jifen.services.ledger.commands import Reverse
from jifen.services.ledger.ports import LedgerWork
from jifen.services.ledger.views import Receipt
from jifen.services.ports import Clock


def reverse(uow: LedgerWork, clock: Clock, program: Program, cmd: Reverse, key: str) -> Receipt:
    """Undo all or part of an earlier credit or debit, exactly."""
    if cmd.points is not None:
        require_points(cmd.points)
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _reverse)


def _reverse(uow: LedgerWork, call: Keyed[Reverse]) -> Receipt:
    return reverse_in(uow, call.program, call.command, call.now)


def reverse_in(uow: LedgerWork, program: Program, cmd: Reverse, now: datetime) -> Receipt:
    """``reverse`` inside an open unit of work and its idempotency key; commits nothing."""
    original = uow.ledger.entry(program.id, cmd.entry_id)
    if original is None:
        raise NotFound(
            f"entry {cmd.entry_id} not found",
            code=LedgerCode.ENTRY_NOT_FOUND,
            entry=cmd.entry_id,
        )
    book = Book(program, uow.members.lock_by_id(original.member_id))
    account = settled(uow, book, now)
    earlier = uow.ledger.reversals_of(original.id)
    already = sum(r.amount for r in earlier)
    amount = cmd.points if cmd.points is not None else original.amount - already
    ledger.check_reversible(original, amount, already)
    if amount == 0:
        raise InvalidInput(
            f"entry {original.id} is already fully reversed",
            code=LedgerCode.ALREADY_REVERSED,
            entry=original.id,
        )
    book.apply(uow, _reversal(uow, program, account, original, earlier, amount, cmd, now), now)
    if cmd.actor:
        detail = {"points": amount, "reason": cmd.reason}
        uow.audit.record(program.id, cmd.actor, "entry.reverse", str(original.id), detail, now)
    return book.receipt(EntryKind.REVERSE.value, now)


def _reversal(
    uow: LedgerWork,
    program: Program,
    account: Account,
    original: Entry,
    earlier: list[Entry],
    amount: int,
    cmd: Reverse,
    now: datetime,
) -> Posting:
    """A credit's points taken back from its lots, or a debit's given back to the lots drawn."""
    policy = program.policy
    if ledger.is_credit(original):
        parts = clawback_parts(uow, original, earlier, amount=amount)
        return ledger.reverse_credit(
            account,
            original,
            parts,
            now=now,
            policy=policy,
            reason=cmd.reason,
            actor=cmd.actor,
        )
    drawn = (
        uow.ledger.net_drawn(hold_id=original.hold_id)
        if original.kind is EntryKind.CAPTURE
        else uow.ledger.net_drawn(entry_id=original.id)
    )
    return ledger.reverse_debit(
        account,
        original,
        drawn,
        amount,
        now=now,
        policy=policy,
        reason=cmd.reason,
        actor=cmd.actor,
    )

"""Earning, spending, adjusting and reversing points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jifen.domain import ledger
from jifen.domain.errors import InvalidInput, NotFound
from jifen.domain.ledger import EntryKind, LotSource, Posting
from jifen.domain.members import Member, MemberStatus
from jifen.domain.points import require_points
from jifen.domain.programs import Program
from jifen.services.idempotency import encode, fingerprint, once
from jifen.services.ledger import clawback
from jifen.services.ledger.book import Book, lock_member, settled
from jifen.services.ledger.commands import Adjust, Earn, Redeem, Reverse
from jifen.services.ledger.ports import LedgerWork
from jifen.services.ledger.views import Receipt
from jifen.services.ports import Clock


def earn(uow: LedgerWork, clock: Clock, program: Program, cmd: Earn, key: str) -> Receipt:
    require_points(cmd.points)
    _source(cmd.source)
    now = clock.now()
    with uow:
        return once(
            uow, program.id, key, cmd, now, Receipt, lambda: earn_in(uow, program, cmd, now)
        )


def earn_in(
    uow: LedgerWork,
    program: Program,
    cmd: Earn,
    now: datetime,
    *,
    meta: dict[str, Any] | None = None,
) -> Receipt:
    """``earn`` inside an open unit of work and its idempotency key; commits nothing."""
    require_points(cmd.points)
    book = Book(program, lock_member(uow, program, cmd.member))
    book.member.require_active()
    book.apply(uow, _credit(book.member, cmd, now, meta), now)
    return book.receipt(EntryKind.EARN.value, now)


@dataclass(frozen=True)
class Grant:
    """One credit of a batch: a member whose row this transaction has locked."""

    member: Member
    earn: Earn
    key: str


def grant_many(
    uow: LedgerWork, program: Program, grants: Sequence[Grant], now: datetime
) -> list[Receipt]:
    """Credits for many members in a few statements, each at most once per key.

    The pipeline's batches (birthday gifts): a key already used grants nothing,
    without replaying or comparing what it recorded. Commits nothing; returns
    the receipts of what was granted now.
    """
    for grant in grants:
        require_points(grant.earn.points)
        grant.member.require_active()
    claimed = uow.idempotency.claim_many(
        program.id, {g.key: fingerprint(g.earn) for g in grants}, now
    )
    todo = [g for g in grants if g.key in claimed]
    postings = [_credit(g.member, g.earn, now) for g in todo]
    entry_ids = uow.ledger.credit_many(program.id, postings, now)
    receipts, events = [], []
    for grant, posting, entry_id in zip(todo, postings, entry_ids, strict=True):
        book = Book(program, grant.member)
        events.append(book.posted(posting, entry_id, None))
        receipts.append(book.receipt(EntryKind.EARN.value, now))
    uow.outbox.add_many(program.id, f"points.{EntryKind.EARN.value}", events, now)
    uow.idempotency.record_many(
        program.id, {g.key: encode(r) for g, r in zip(todo, receipts, strict=True)}
    )
    return receipts


def _credit(
    member: Member, cmd: Earn, now: datetime, meta: dict[str, Any] | None = None
) -> Posting:
    # A credit needs no lots: only the balance, to repay any debt first.
    return ledger.credit(
        ledger.Account(member, ()),
        cmd.points,
        kind=EntryKind.EARN,
        source=_source(cmd.source),
        now=now,
        available_at=cmd.available_at,
        expires_at=cmd.expires_at,
        rule_id=cmd.rule_id,
        reference=cmd.reference,
        meta=meta,
    )


def redeem(uow: LedgerWork, clock: Clock, program: Program, cmd: Redeem, key: str) -> Receipt:
    require_points(cmd.points)
    now = clock.now()
    with uow:

        def work() -> Receipt:
            book = Book(program, lock_member(uow, program, cmd.member))
            book.member.require_active()
            account = settled(uow, book, now)
            book.apply(
                uow,
                ledger.debit(
                    account,
                    cmd.points,
                    kind=EntryKind.REDEEM,
                    now=now,
                    reason=cmd.reason,
                    reference=cmd.reference,
                ),
                now,
            )
            return book.receipt(EntryKind.REDEEM.value, now)

        return once(uow, program.id, key, cmd, now, Receipt, work)


def adjust(uow: LedgerWork, clock: Clock, program: Program, cmd: Adjust, key: str) -> Receipt:
    """A manual credit (positive) or debit (negative), with its reason, audited."""
    if isinstance(cmd.points, bool) or not isinstance(cmd.points, int) or cmd.points == 0:
        raise InvalidInput("points must be a non-zero whole number", field="points")
    require_points(abs(cmd.points))
    if not cmd.reason.strip():
        raise InvalidInput("an adjustment needs a reason", field="reason")
    now = clock.now()
    with uow:

        def work() -> Receipt:
            book = Book(program, lock_member(uow, program, cmd.member))
            if book.member.status is MemberStatus.ERASED:
                book.member.require_active()
            account = settled(uow, book, now)
            if cmd.points > 0:
                posting = ledger.credit(
                    account,
                    cmd.points,
                    kind=EntryKind.ADJUST,
                    source=LotSource.ADJUSTMENT,
                    now=now,
                    expires_at=cmd.expires_at,
                    reason=cmd.reason,
                    actor=cmd.actor,
                )
            else:
                posting = ledger.debit(
                    account,
                    -cmd.points,
                    kind=EntryKind.ADJUST,
                    now=now,
                    reason=cmd.reason,
                    actor=cmd.actor,
                )
            book.apply(uow, posting, now)
            uow.audit.record(
                program.id,
                cmd.actor,
                "points.adjust",
                cmd.member,
                {"points": cmd.points, "reason": cmd.reason, "entry_id": book.entry_ids[0]},
                now,
            )
            return book.receipt(EntryKind.ADJUST.value, now)

        return once(uow, program.id, key, cmd, now, Receipt, work)


def reverse(uow: LedgerWork, clock: Clock, program: Program, cmd: Reverse, key: str) -> Receipt:
    """Undo all or part of an earlier credit or debit, exactly."""
    if cmd.points is not None:
        require_points(cmd.points)
    now = clock.now()
    with uow:
        return once(
            uow, program.id, key, cmd, now, Receipt, lambda: reverse_in(uow, program, cmd, now)
        )


def reverse_in(uow: LedgerWork, program: Program, cmd: Reverse, now: datetime) -> Receipt:
    """``reverse`` inside an open unit of work and its idempotency key; commits nothing."""
    original = uow.ledger.entry(program.id, cmd.entry_id)
    if original is None:
        raise NotFound(
            f"entry {cmd.entry_id} not found", code="entry_not_found", entry=cmd.entry_id
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
            code="already_reversed",
            entry=original.id,
        )
    policy = program.policy
    if ledger.is_credit(original):
        posting = ledger.reverse_credit(
            account,
            original,
            clawback.credit_parts(uow, original, earlier, amount=amount),
            now=now,
            policy=policy,
            reason=cmd.reason,
            actor=cmd.actor,
        )
    else:
        drawn = (
            uow.ledger.net_drawn(hold_id=original.hold_id)
            if original.kind is EntryKind.CAPTURE
            else uow.ledger.net_drawn(entry_id=original.id)
        )
        posting = ledger.reverse_debit(
            account,
            original,
            drawn,
            amount,
            now=now,
            policy=policy,
            reason=cmd.reason,
            actor=cmd.actor,
        )
    book.apply(uow, posting, now)
    if cmd.actor:
        uow.audit.record(
            program.id,
            cmd.actor,
            "entry.reverse",
            str(original.id),
            {"points": amount, "reason": cmd.reason},
            now,
        )
    return book.receipt(EntryKind.REVERSE.value, now)


def _source(value: str) -> LotSource:
    try:
        return LotSource(value)
    except ValueError:
        choices = ", ".join(s.value for s in LotSource)
        raise InvalidInput(f"source must be one of {choices}", field="source") from None

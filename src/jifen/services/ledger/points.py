"""Points in and out of a member's book: earned, granted in batches, redeemed, adjusted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jifen.domain import ledger
from jifen.domain.errors import InvalidInput
from jifen.domain.ledger import EntryKind, LotSource, Posting, posted_topic
from jifen.domain.members import Member, MemberStatus
from jifen.domain.points import require_points
from jifen.domain.programs import Program
from jifen.services.idempotency import Keyed, encode, fingerprint, once
from jifen.services.ledger.book import Book, settled
from jifen.services.ledger.commands import Adjust, Earn, Redeem
from jifen.services.ledger.ports import LedgerWork
from jifen.services.ledger.views import Receipt
from jifen.services.ports import Clock

MAX_NOTE = 500


def earn(uow: LedgerWork, clock: Clock, program: Program, cmd: Earn, key: str) -> Receipt:
    """Credit points from outside the earning rules (an integration's own reward)."""
    require_points(cmd.points)
    _source(cmd.source)
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _earn)


def _earn(uow: LedgerWork, call: Keyed[Earn]) -> Receipt:
    return earn_in(uow, call.program, call.command, call.now)


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
    book = Book.locked(uow, program, cmd.member)
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
    uow.outbox.add_many(program.id, posted_topic(EntryKind.EARN), events, now)
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
    """Spend points from the member's soonest-expiring lots."""
    require_points(cmd.points)
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _redeem)


def _redeem(uow: LedgerWork, call: Keyed[Redeem]) -> Receipt:
    cmd, now = call.command, call.now
    book = Book.locked(uow, call.program, cmd.member)
    book.member.require_active()
    account = settled(uow, book, now)
    posting = ledger.debit(
        account,
        cmd.points,
        kind=EntryKind.REDEEM,
        now=now,
        reason=cmd.reason,
        reference=cmd.reference,
    )
    book.apply(uow, posting, now)
    return book.receipt(EntryKind.REDEEM.value, now)


def adjust(uow: LedgerWork, clock: Clock, program: Program, cmd: Adjust, key: str) -> Receipt:
    """A manual credit (positive) or debit (negative), with its reason, audited."""
    if isinstance(cmd.points, bool) or not isinstance(cmd.points, int) or cmd.points == 0:
        raise InvalidInput("points must be a non-zero whole number", field="points")
    require_points(abs(cmd.points))
    if not cmd.reason.strip():
        raise InvalidInput("an adjustment needs a reason", field="reason")
    if cmd.note is not None and len(cmd.note) > MAX_NOTE:
        raise InvalidInput(f"a note is at most {MAX_NOTE} characters", field="note")
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _adjust)


def _adjust(uow: LedgerWork, call: Keyed[Adjust]) -> Receipt:
    cmd, now = call.command, call.now
    book = Book.locked(uow, call.program, cmd.member)
    if book.member.status is MemberStatus.ERASED:
        book.member.require_active()
    account = settled(uow, book, now)
    note = (cmd.note or "").strip() or None  # the entry says only what the member may read
    if cmd.points > 0:
        posting = ledger.credit(
            account,
            cmd.points,
            kind=EntryKind.ADJUST,
            source=LotSource.ADJUSTMENT,
            now=now,
            expires_at=cmd.expires_at,
            reason=note,
            actor=cmd.actor,
        )
    else:
        posting = ledger.debit(
            account, -cmd.points, kind=EntryKind.ADJUST, now=now, reason=note, actor=cmd.actor
        )
    book.apply(uow, posting, now)
    detail = {
        "points": cmd.points,
        "reason": cmd.reason,
        "note": note,
        "entry_id": book.entry_ids[0],
    }
    uow.audit.record(call.program.id, cmd.actor, "points.adjust", cmd.member, detail, now)
    return book.receipt(EntryKind.ADJUST.value, now)


def _source(value: str) -> LotSource:
    try:
        return LotSource(value)
    except ValueError:
        choices = ", ".join(s.value for s in LotSource)
        raise InvalidInput(f"source must be one of {choices}", field="source") from None

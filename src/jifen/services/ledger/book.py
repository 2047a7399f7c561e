"""Shared steps of every ledger use case: lock, settle what is due, apply.

A member's row is locked before anything is decided, and everything that is
due for that member (holds past their expiry, pending points past their
date, lots past their end) is settled first, so that decisions are made on
the ledger as it stands *now*.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from jifen.domain import ledger
from jifen.domain.errors import MemberNotFound
from jifen.domain.ledger import Account, HoldStatus, Posting, posted_topic
from jifen.domain.members import Balances, Member, MemberStatus
from jifen.domain.programs import Program
from jifen.services.ledger.ports import LedgerWork
from jifen.services.ledger.views import Receipt


def lock_member(uow: LedgerWork, program: Program, external_id: str) -> Member:
    member = uow.members.lock(program.id, external_id)
    if member is None:
        raise MemberNotFound(external_id)
    return member


@dataclass
class Book:
    """The postings applied so far in this transaction, for one member."""

    program: Program
    member: Member
    entry_ids: list[int] = field(default_factory=list)  # the use case's own entries
    settled_ids: list[int] = field(default_factory=list)  # what was due before it
    hold_id: int | None = None
    points: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def locked(cls, uow: LedgerWork, program: Program, external_id: str) -> Book:
        """The book of the member ``external_id``, whose row this transaction now locks."""
        return cls(program, lock_member(uow, program, external_id))

    def apply(
        self, uow: LedgerWork, posting: Posting, now: datetime, *, settling: bool = False
    ) -> None:
        if self.member.status is MemberStatus.ERASED:  # an erased member's book is closed
            self.member.require_active()
        entry_id, hold_id = uow.ledger.apply(self.program.id, posting, now)
        event = self.posted(posting, entry_id, hold_id, settling=settling)
        uow.outbox.add(self.program.id, posted_topic(posting.kind), event, now)

    def posted(
        self, posting: Posting, entry_id: int, hold_id: int | None, *, settling: bool = False
    ) -> dict[str, Any]:
        """Account for a posting the ledger has applied; return its outbox event."""
        if settling:
            self.settled_ids.append(entry_id)
        else:
            self.entry_ids.append(entry_id)
            self.points += posting.points
            self.meta.update(posting.meta)
        if hold_id is not None:
            self.hold_id = hold_id
        b = self.member.balances
        self.member = _with_balances(
            self.member,
            Balances(
                b.available + posting.delta_available,
                b.pending + posting.delta_pending,
                b.held + posting.delta_held,
            ),
        )
        return {
            "member": self.member.external_id,
            "entry_id": entry_id,
            "kind": posting.kind.value,
            "points": posting.points,
            "amount": posting.amount,
            "reference": posting.reference,
            "hold_id": posting.hold_id or hold_id,
            "available": self.member.balances.available,
            "pending": self.member.balances.pending,
            "held": self.member.balances.held,
        }

    def account(self, uow: LedgerWork) -> Account:
        return Account(self.member, tuple(uow.ledger.open_lots(self.member.id)))

    def receipt(
        self,
        kind: str,
        now: datetime,
        hold_status: HoldStatus | None = None,
    ) -> Receipt:
        b = self.member.balances
        return Receipt(
            member=self.member.external_id,
            kind=kind,
            points=self.points,
            entry_ids=tuple(self.entry_ids),
            available=b.available,
            pending=b.pending,
            held=b.held,
            created_at=now,
            hold_id=self.hold_id,
            hold_status=hold_status.value if hold_status else None,
            meta=dict(self.meta),
        )


def settled(uow: LedgerWork, book: Book, now: datetime) -> Account:
    """Release expired holds, mature pending points, expire lots; return the account."""
    policy = book.program.policy
    before = len(book.settled_ids)
    for due in uow.ledger.due_holds(book.program.id, now, 100, member_id=book.member.id):
        drawn = uow.ledger.net_drawn(hold_id=due.id)
        expired = ledger.release(
            book.account(uow), due, drawn, now=now, policy=policy, status=HoldStatus.EXPIRED
        )
        book.apply(uow, expired, now, settling=True)
    account = book.account(uow)
    for posting in ledger.settle(account, now):
        book.apply(uow, posting, now, settling=True)
    return book.account(uow) if len(book.settled_ids) > before else account


def as_settled(uow: LedgerWork, program: Program, member: Member, now: datetime) -> Member:
    """``member`` with the balances a write at ``now`` would decide on; writes nothing.

    What :func:`settled` would post (holds past their end released, pending points past
    their date matured, lots past their end expired) is planned by the same domain
    functions and added up, not applied: so a read (the member, a quote, the portal)
    shows what a write would allow, though the night has not settled the member yet.
    """
    book = Book(program, member)
    account = book.account(uow)
    if not _anything_due(account, now) and not member.balances.held:
        return member
    policy = program.policy
    for due in uow.ledger.due_holds(program.id, now, 100, member_id=member.id):
        drawn = uow.ledger.net_drawn(hold_id=due.id)
        released = ledger.release(
            account, due, drawn, now=now, policy=policy, status=HoldStatus.EXPIRED
        )
        book.posted(released, 0, None, settling=True)
    for posting in ledger.settle(account, now):
        book.posted(posting, 0, None, settling=True)
    return book.member


def _anything_due(account: Account, now: datetime) -> bool:
    return any(
        (lot.pending and lot.available_at <= now) or lot.is_expired(now) for lot in account.lots
    )


def _with_balances(member: Member, balances: Balances) -> Member:
    return replace(member, balances=balances)

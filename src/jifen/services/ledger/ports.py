"""The ledger's ports: postings applied, lots and entries read, invariants proved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jifen.domain.earning import Lifetimes
from jifen.domain.ledger import Entry, Hold, Lot, Posting
from jifen.domain.members import Member
from jifen.services.ports import SharedWork


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_cursor: int | None


@dataclass(frozen=True)
class Standing:
    """A member as a read finds them, with one statement: the row, whether anything is
    due (a lot to mature or expire, a hold to release: the balances would move if a write
    came now), and the points expiring in the window asked for."""

    member: Member
    due: bool
    expiring: int


class Ledger(Protocol):
    def open_lots(self, member_id: int) -> list[Lot]: ...
    def apply(
        self,
        program_id: int,
        posting: Posting,
        now: datetime,
    ) -> tuple[int, int | None]:
        """Apply atomically; return the new entry's id and a new hold's id."""

    def credit_many(self, program_id: int, postings: Sequence[Posting], now: datetime) -> list[int]:
        """Apply credits (new lots, nothing drawn or held) in a few statements.

        For many members at once, each row already locked; returns the entry ids
        in the order of ``postings``.
        """

    def next_entry_ids(self, count: int) -> list[int]:
        """Reserve ids for entries this transaction is about to write (``write_credits``)."""

    def write_credits(
        self, program_id: int, credits: Sequence[tuple[int, Posting, datetime]]
    ) -> None:
        """Write credits decided earlier, each (reserved entry id, posting, when).

        Credits only: new lots, nothing drawn, repaid or held. The members' rows
        are already locked; each member's balance moves once, by the sum.
        """

    def entry(self, program_id: int, entry_id: int) -> Entry | None: ...
    def reversals_of(self, entry_id: int) -> list[Entry]: ...
    def lots_of(self, entry_id: int) -> list[tuple[Lot, str | None]]:
        """The lots a credit entry created, in order, with the rule of each."""

    def expired_from(self, lot_id: int) -> int: ...
    def net_drawn(
        self,
        *,
        entry_id: int | None = None,
        hold_id: int | None = None,
    ) -> list[tuple[Lot, int]]: ...
    def hold(self, program_id: int, hold_id: int) -> Hold | None: ...
    def due_holds(
        self, program_id: int, now: datetime, limit: int, *, member_id: int | None = None
    ) -> list[Hold]: ...
    def members_due(self, program_id: int, now: datetime, limit: int) -> list[int]: ...
    def history(self, member_id: int, before: int | None, limit: int) -> Page: ...
    def member_history(
        self, program_id: int, external_id: str, before: int | None, limit: int
    ) -> Page:
        """``history`` of the member with this id, found in the same statement; an unknown
        or erased member's page is empty."""

    def earned_spans(self, entry_ids: list[int]) -> dict[int, tuple[datetime, datetime]]:
        """For each debit entry, when the oldest and newest lots it drew were earned."""

    def expiring_lots(
        self, member_id: int, now: datetime, until: datetime
    ) -> list[tuple[datetime, int]]:
        """Open lots (pending too) expiring in ``(now, until]``: (when, points), soonest first."""

    def expiring(self, member_id: int, now: datetime, until: datetime) -> int: ...
    def standing(
        self, program_id: int, external_id: str, now: datetime, until: datetime
    ) -> Standing | None:
        """The member, whether anything is due at ``now``, and what expires in
        ``(now, until]``, in one statement and no lock; None: no such member."""


class AsyncLedgerReads(Protocol):
    """The reads a request answers in the event loop, without a thread (ADR 0025): each
    is one statement, without a transaction or a lock, as ``LedgerReads`` makes it.
    ``open`` it in the event loop that reads, ``close`` it when done."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def standing(
        self, program_id: int, external_id: str, now: datetime, until: datetime
    ) -> Standing | None: ...
    async def member(self, program_id: int, external_id: str) -> Member | None: ...
    async def member_history(
        self, program_id: int, external_id: str, before: int | None, limit: int
    ) -> Page: ...
    async def earned_spans(self, entry_ids: list[int]) -> dict[int, tuple[datetime, datetime]]: ...


class Verifier(Protocol):
    def check(
        self,
        lifetimes: Mapping[int, Lifetimes],
        anchored: Mapping[int, tuple[int, str]] | None = None,
    ) -> dict[str, Any]:
        """Every invariant and every chain; each lot's issued end against its programme's
        ``lifetimes`` (by programme id); with ``anchored``, that each chain extends it."""

    def heads(self) -> dict[int, tuple[int, str]]:
        """Per member with entries: (how many, the chain head)."""


class LedgerWork(SharedWork, Protocol):
    """What the ledger's use cases (and members' views of it) need in a transaction."""

    ledger: Ledger
    verifier: Verifier

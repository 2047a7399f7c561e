"""The ledger's nouns: entries, lots, draws, holds and postings.

A *lot* is one credit of points with its own life: ``remaining`` goes down as
points are drawn from it, ``available_at`` makes it pending until then and
``expires_at`` ends it. An *entry* is one append-only movement; a *draw* says
how many points an entry took from (positive) or returned to (negative) a lot.
A *posting* is what a use case decided: one entry with its lots, draws and the
deltas of the member's cached balances, applied atomically by the store.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import InvalidInput
from jifen.domain.points import MAX_POINTS


class EntryKind(enum.StrEnum):
    EARN = "earn"  # points earned by an order or an activity
    REDEEM = "redeem"  # points spent in one step
    HOLD = "hold"  # points reserved for a later capture
    CAPTURE = "capture"  # a hold made final
    RELEASE = "release"  # a hold given back
    EXPIRE = "expire"  # lots reached their end
    REVERSE = "reverse"  # an exact (partial) undo of an earlier entry
    ADJUST = "adjust"  # an operator's manual change, with a reason
    MATURE = "mature"  # pending points became available
    FORFEIT = "forfeit"  # every point a member held, given up when the member is erased


#: what happened, in the past tense: a posting's outbox topic is ``points.<this>``
POSTED: dict[EntryKind, str] = {
    EntryKind.EARN: "earned",
    EntryKind.REDEEM: "redeemed",
    EntryKind.HOLD: "held",
    EntryKind.CAPTURE: "captured",
    EntryKind.RELEASE: "released",
    EntryKind.EXPIRE: "expired",
    EntryKind.REVERSE: "reversed",
    EntryKind.ADJUST: "adjusted",
    EntryKind.MATURE: "matured",
    EntryKind.FORFEIT: "forfeited",
}


def posted_topic(kind: EntryKind) -> str:
    """The outbox topic of a posting of ``kind``: ``points.earned``, ``points.held``..."""
    return f"points.{POSTED[kind]}"


class LotSource(enum.StrEnum):
    ORDER = "order"
    ACTIVITY = "activity"
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"
    IMPORT = "import"
    GIFT = "gift"  # a tier's birthday gift
    PRIZE = "prize"  # won in a lottery draw
    CHALLENGE = "challenge"  # a challenge's reward (its rule_id: the challenge)


class HoldStatus(enum.StrEnum):
    ACTIVE = "active"
    CAPTURED = "captured"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Lot:
    id: int
    member_id: int
    amount: int
    remaining: int
    available_at: datetime
    expires_at: datetime | None
    pending: bool
    source: LotSource
    entry_id: int

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def is_spendable(self, now: datetime) -> bool:
        return not self.pending and self.remaining > 0 and not self.is_expired(now)


def expiry_order(lot: Lot) -> tuple[bool, datetime | int, int]:
    """Soonest-expiring first; lots that never expire last; then oldest."""
    if lot.expires_at is None:
        return (True, 0, lot.id)
    return (False, lot.expires_at, lot.id)


@dataclass(frozen=True)
class NewLot:
    amount: int
    available_at: datetime
    expires_at: datetime | None
    pending: bool
    source: LotSource
    source_ref: str | None = None
    rule_id: str | None = None
    parent_lot_id: int | None = None
    #: points drawn from this lot as it is created, to repay a negative balance
    repaid: int = 0
    #: when its points were earned, if not when written (a backdated order or activity)
    earned_at: datetime | None = None


@dataclass(frozen=True)
class Draw:
    lot_id: int
    amount: int  # > 0 taken from the lot, < 0 returned to it


@dataclass(frozen=True)
class NewHold:
    amount: int
    expires_at: datetime
    reference: str | None


@dataclass(frozen=True)
class HoldTransition:
    hold_id: int
    to: HoldStatus
    captured: int = 0


@dataclass(frozen=True)
class Hold:
    id: int
    member_id: int
    amount: int
    captured: int
    status: HoldStatus
    expires_at: datetime
    entry_id: int
    reference: str | None
    created_at: datetime


@dataclass(frozen=True)
class Posting:
    member_id: int
    kind: EntryKind
    amount: int  # the operation's size, always >= 0
    delta_available: int = 0
    delta_pending: int = 0
    delta_held: int = 0
    draws: tuple[Draw, ...] = ()
    new_lots: tuple[NewLot, ...] = ()
    matured_lot_ids: tuple[int, ...] = ()
    new_hold: NewHold | None = None
    hold_transition: HoldTransition | None = None
    hold_id: int | None = None
    reverses_entry_id: int | None = None
    program_version: int | None = None  # the programme version whose rules decided it
    allow_negative: bool = False
    reason: str | None = None
    actor: str | None = None
    reference: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """The per-operation cap, on every path that moves points (orders, imports,
        adjustments, activities, redemptions): an operation beyond it is refused whole."""
        if self.amount > MAX_POINTS:
            raise InvalidInput(
                f"one operation may move at most {MAX_POINTS} points, not {self.amount}",
                code=LedgerCode.POINTS_TOO_LARGE,
                points=self.amount,
                maximum=MAX_POINTS,
            )

    @property
    def points(self) -> int:
        """Net change to everything the member owns (available+pending+held)."""
        return self.delta_available + self.delta_pending + self.delta_held


@dataclass(frozen=True)
class Entry:
    id: int
    member_id: int
    kind: EntryKind
    amount: int
    delta_available: int
    delta_pending: int
    delta_held: int
    created_at: datetime
    reason: str | None
    actor: str | None
    reference: str | None
    reverses_entry_id: int | None
    hold_id: int | None
    meta: dict[str, Any]

    @property
    def points(self) -> int:
        return self.delta_available + self.delta_pending + self.delta_held

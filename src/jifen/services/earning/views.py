"""What earning's use cases return: every point explained."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jifen.services.ledger import Book


@dataclass(frozen=True)
class AwardLineView:
    rule_id: str
    kind: str
    points: int
    campaign: str | None
    beneficiary: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class SkippedView:
    rule_id: str
    reason: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class AwardView:
    """Why the member earned what they earned: every rule, fired or not."""

    points: int
    version: int
    lines: tuple[AwardLineView, ...]
    skipped: tuple[SkippedView, ...]


@dataclass(frozen=True, kw_only=True)
class EarnResult:
    """The outcome of an order, a refund or an activity."""

    reference: str  # order id, refund id or activity type
    member: str
    points: int  # net change to the member's points
    award: AwardView
    available: int
    pending: int
    held: int
    entry_ids: tuple[int, ...]
    created_at: datetime
    meta: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False


def earn_result(
    book: Book, reference: str, award: AwardView, now: datetime, meta: dict[str, Any] | None = None
) -> EarnResult:
    """The outcome of an order, a refund or an activity, as the member now stands."""
    b = book.member.balances
    return EarnResult(
        reference=reference,
        member=book.member.external_id,
        points=book.points,
        award=award,
        available=b.available,
        pending=b.pending,
        held=b.held,
        entry_ids=tuple(book.entry_ids),
        created_at=now,
        meta=meta or {},
    )

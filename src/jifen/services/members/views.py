"""What members' use cases return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class MemberView:
    external_id: str
    status: str
    phone: str | None
    email: str | None
    birthday: date | None
    attributes: dict[str, Any]
    available: int
    pending: int
    held: int
    expiring_30d: int
    created_at: datetime
    updated_at: datetime
    tier: str | None = None  # None: the entry level (or a programme without tiers)
    replayed: bool = False
    display_name: str | None = None
    language: str | None = None
    member_code: str | None = None  # what the till scans (engagement.codes)
    referral_code: str | None = None  # what friends join with


@dataclass(frozen=True)
class HistoryItem:
    id: int
    kind: str
    points: int
    available_change: int
    pending_change: int
    held_change: int
    created_at: datetime
    reason: str | None
    actor: str | None
    reference: str | None
    reverses_entry_id: int | None
    hold_id: int | None
    meta: dict[str, Any]
    # an expiry: when the oldest and the newest of the lots it ended were earned
    earned_from: datetime | None = None
    earned_to: datetime | None = None
    #: when it happened: a backdated order's placed_at, an activity's occurred_at;
    #: otherwise when it was written (created_at)
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class History:
    items: tuple[HistoryItem, ...]
    next_cursor: str | None

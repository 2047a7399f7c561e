"""What the services return; plain data that the entrypoints render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Receipt:
    """The outcome of one ledger write (one or more entries)."""

    member: str
    kind: str
    points: int  # net change to available + pending + held
    entry_ids: tuple[int, ...]
    available: int
    pending: int
    held: int
    created_at: datetime
    hold_id: int | None = None
    hold_status: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False


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
    replayed: bool = False


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


@dataclass(frozen=True)
class History:
    items: tuple[HistoryItem, ...]
    next_cursor: str | None

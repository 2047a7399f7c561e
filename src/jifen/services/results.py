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
    tier: str | None = None  # None: the entry level (or a programme without tiers)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class VoucherView:
    code: str
    reward: str
    status: str
    face_value: int
    min_spend: int
    expires_at: datetime
    consumed_at: datetime | None = None
    consumed_reference: str | None = None
    member: str | None = None
    replayed: bool = False


@dataclass(frozen=True)
class RedemptionView:
    id: int
    member: str
    kind: str
    reward: str | None
    quantity: int
    points: int
    cash: int  # minor units: paid on top (points + cash), or taken off the order
    status: str
    hold_id: int | None
    reference: str | None
    created_at: datetime
    settled_at: datetime | None
    vouchers: tuple[VoucherView, ...]
    available: int
    pending: int
    held: int
    replayed: bool = False


@dataclass(frozen=True)
class OffsetQuoteView:
    member: str
    order_total: int
    points: int
    discount: int
    payable: int
    available: int
    max_discount: int

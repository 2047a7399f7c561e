"""What redemption's use cases return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


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


@dataclass(frozen=True)
class PrizeView:
    code: str
    kind: str  # points, reward
    name: dict[str, str]
    chance: str  # a percentage, e.g. "0.5%"
    points: int
    reward: str | None
    stock: int | None
    remaining: int | None
    fallback: str | None


@dataclass(frozen=True)
class LotteryView:
    code: str
    name: dict[str, str]
    description: dict[str, str]
    points: int  # per draw
    version: str  # the prize table's digest; every draw records it
    prizes: tuple[PrizeView, ...]
    no_prize_chance: str
    starts: datetime | None
    ends: datetime | None
    open_now: bool
    tiers: tuple[str, ...]
    limits: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DrawOutcome:
    id: int
    roll: int  # the number drawn, below `out_of`: the outcome can be checked against the table
    out_of: int
    drawn: str | None  # the prize the number won
    prize: str | None  # the prize given: `drawn` or its fallback; None: no prize
    kind: str | None
    name: dict[str, str]
    points: int  # points won
    reward: str | None
    redemption_id: int | None
    vouchers: tuple[VoucherView, ...]
    created_at: datetime


@dataclass(frozen=True)
class DrawsView:
    member: str
    lottery: str
    version: str
    cost: int
    draws: tuple[DrawOutcome, ...]
    available: int
    pending: int
    held: int
    replayed: bool = False


@dataclass(frozen=True)
class CauseView:
    code: str
    name: dict[str, str]
    description: dict[str, str]
    min_points: int
    step: int
    goal: int | None
    points: int  # given so far, by everyone
    donors: int
    gifts: int
    worth: int | None  # what the brand gives for them, minor units (with a pledge)
    open_now: bool
    starts: datetime | None
    ends: datetime | None


@dataclass(frozen=True)
class DonationView:
    id: int
    member: str
    cause: str
    points: int
    worth: int | None
    cause_points: int  # the cause's running total, this gift included
    available: int
    pending: int
    held: int
    created_at: datetime
    replayed: bool = False


@dataclass(frozen=True)
class StockView:
    reward: str
    remaining: int
    replayed: bool = False

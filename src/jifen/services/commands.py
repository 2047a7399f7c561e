"""Commands: what an outside caller asks for, validated before any work.

Each command's fields are also its idempotency fingerprint: the same key with
a different command is refused as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class CreateMember:
    external_id: str
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateMember:
    external_id: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class Earn:
    member: str
    points: int
    source: str = "activity"
    reference: str | None = None
    rule_id: str | None = None
    available_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Redeem:
    member: str
    points: int
    reference: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Adjust:
    """A manual change by an operator: positive credits, negative debits."""

    member: str
    points: int
    reason: str
    actor: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PlaceHold:
    member: str
    points: int
    ttl_seconds: int | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CaptureHold:
    hold_id: int
    points: int | None = None


@dataclass(frozen=True)
class ReleaseHold:
    hold_id: int


@dataclass(frozen=True)
class Reverse:
    entry_id: int
    points: int | None = None  # all that is left by default
    reason: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class LineIn:
    sku: str
    quantity: int
    unit_price: str  # a decimal string in the programme's currency
    category: str | None = None
    tags: tuple[str, ...] = ()
    discount: str = "0"


@dataclass(frozen=True)
class PlaceOrder:
    """A purchase from the till or the shop; ``order_id`` makes it idempotent."""

    order_id: str
    member: str
    paid: str  # money actually paid, a decimal string
    lines: tuple[LineIn, ...] = ()
    placed_at: datetime | None = None  # default: now
    channel: str = "store"
    store: str | None = None
    discount: str = "0"
    points_paid: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundOrder:
    """Money returned: ``full``, or an ``amount`` with the lines it covers."""

    refund_id: str
    order_id: str
    amount: str | None = None
    lines: tuple[tuple[str, int], ...] = ()
    full: bool = False


@dataclass(frozen=True)
class RecordActivity:
    member: str
    type: str
    payload: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class SetTierFloor:
    """An operator's override: at least ``tier`` until ``until`` (None: remove it)."""

    member: str
    tier: str | None
    until: datetime | None
    reason: str
    actor: str


@dataclass(frozen=True)
class OpenBalance:
    """One lot of a member's points brought in from the system a brand leaves.

    ``expires_at`` None: the programme's expiry policy, counted from
    ``earned_at`` (None: when the row is imported).
    """

    member: str
    points: int
    reference: str = "opening"
    expires_at: datetime | None = None
    earned_at: datetime | None = None


@dataclass(frozen=True)
class RedeemReward:
    """Points for a catalogue reward; ``hold`` reserves them for a later capture."""

    member: str
    reward: str
    quantity: int = 1
    hold: bool = False
    ttl_seconds: int | None = None


@dataclass(frozen=True)
class PayWithPoints:
    """Points as money off an order (the cash offset): held until the order is paid."""

    member: str
    order_reference: str
    order_total: str  # a decimal string in the programme's currency
    points: int | None = None  # at most this many; default: as many as the order allows
    hold: bool = True
    ttl_seconds: int | None = None


@dataclass(frozen=True)
class DrawLottery:
    """``draws`` draws of a lottery, paid in one debit."""

    member: str
    lottery: str
    draws: int = 1


@dataclass(frozen=True)
class Donate:
    member: str
    cause: str
    points: int


@dataclass(frozen=True)
class SettleRedemption:
    """Capture, release or cancel a redemption."""

    redemption_id: int
    action: str  # capture, release, cancel
    reason: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class ConsumeVoucher:
    code: str
    reference: str | None = None  # the purchase it was used on
    spend: str | None = None  # that purchase's amount, for a minimum spend
    actor: str = "api"  # who took it: an API key, a console operator, the CLI


@dataclass(frozen=True)
class SetStock:
    """An operator's count of a reward: ``remaining`` left from now on."""

    reward: str
    remaining: int
    reason: str
    actor: str

"""Earning's commands: orders, refunds and activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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

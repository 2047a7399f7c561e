"""The variables a rule's CEL condition sees: ``order``, ``member``, ``activity``, ``now``.

Money is given in major units as doubles (``order.total >= 200.0``): conditions
only compare it; points are always computed from integer minor units.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jifen.domain.earning.orders import Order
from jifen.domain.money import exponent


def now_vars(local: datetime) -> dict[str, Any]:
    return {
        "year": local.year,
        "month": local.month,
        "day": local.day,
        "weekday": local.isoweekday(),
        "hour": local.hour,
        "minute": local.minute,
        "date": local.date().isoformat(),
    }


def order_vars(order: Order, currency: str) -> dict[str, Any]:
    scale = 10 ** exponent(currency)
    return {
        "id": order.order_id,
        "total": order.paid / scale,
        "gross": sum(line.gross for line in order.lines) / scale,
        "discount": order.discount / scale,
        "points_paid": order.points_paid,
        "channel": order.channel,
        "store": order.store or "",
        "units": sum(line.quantity for line in order.lines),
        "lines": [
            {
                "sku": line.sku,
                "category": line.category or "",
                "tags": sorted(line.tags),
                "quantity": line.quantity,
                "unit_price": line.unit_price / scale,
                "total": line.net / scale,
            }
            for line in order.lines
        ],
        "attributes": dict(order.attributes),
    }


def activation(
    *,
    member: Mapping[str, Any],
    now: datetime,
    order: Mapping[str, Any] | None = None,
    activity: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "member": member,
        "now": now_vars(now),
        "order": order or {},
        "activity": activity or {},
    }

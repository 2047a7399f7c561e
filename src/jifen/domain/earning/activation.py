"""The variables a rule's CEL condition sees: ``order``, ``member``, ``activity``, ``now``.

Money is given in major units as doubles (``order.total >= 200.0``): conditions
only compare it; points are always computed from integer minor units.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
        "at": local,
    }


def order_vars(order: Order, currency: str) -> dict[str, Any]:
    scale = 10 ** exponent(currency)
    lines = []
    gross = units = 0
    for line in order.lines:
        line_gross = line.quantity * line.unit_price  # OrderLine.gross and .net, inlined
        gross += line_gross
        units += line.quantity
        lines.append(
            {
                "sku": line.sku,
                "category": line.category or "",
                "tags": sorted(line.tags),
                "quantity": line.quantity,
                "unit_price": line.unit_price / scale,
                "total": max(line_gross - line.discount, 0) / scale,
            }
        )
    return {
        "id": order.order_id,
        "placed_at": order.placed_at,
        "total": order.paid / scale,
        "gross": gross / scale,
        "discount": order.discount / scale,
        "points_paid": order.points_paid,
        "channel": order.channel,
        "store": order.store or "",
        "units": units,
        "lines": lines,
        "attributes": dict(order.attributes),
    }


class Variables(dict[str, Any]):
    """The variables of a condition, each built the first time a condition reads it.

    Compiled conditions read only the variables they mention, so an order's
    ``order`` map is never built for rules that look only at ``member``.
    """

    def __init__(self, ready: Mapping[str, Any], later: Mapping[str, Callable[[], Any]]) -> None:
        super().__init__(ready)
        self.later = later

    def __missing__(self, key: str) -> Any:
        build = self.later.get(key)
        if build is None:
            raise KeyError(key)
        value = self[key] = build()
        return value


def activation(
    *,
    member: Mapping[str, Any],
    now: datetime,
    order: Callable[[], Mapping[str, Any]] | None = None,
    activity: Mapping[str, Any] | None = None,
) -> Variables:
    empty: dict[str, Any] = {}
    return Variables(
        {"member": member, "activity": activity or empty},
        {"now": lambda: now_vars(now), "order": order or (lambda: empty)},
    )

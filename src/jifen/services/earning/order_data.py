"""An order as the till sends it, checked (``to_order``), and as it is kept (JSON)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from jifen.domain.bounds import (
    DEFAULT_SKEW,
    require_amount,
    require_moment,
    require_points_paid,
    require_quantity,
)
from jifen.domain.earning import Order, OrderLine
from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import InvalidInput
from jifen.domain.money import to_major, to_minor
from jifen.services.earning.commands import LineIn, PlaceOrder

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$")


CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def to_order(
    cmd: PlaceOrder, currency: str, now: datetime, skew: timedelta = DEFAULT_SKEW
) -> Order:
    """The order ``cmd`` describes, held to every bound (``jifen.domain.bounds``) and with
    ``paid`` agreeing with its lines; ``InvalidInput`` says what is wrong."""
    if not NAME.match(cmd.order_id):
        raise InvalidInput("order_id must be 1-128 letters, digits or ._:/#-", field="order_id")
    if not CHANNEL.match(cmd.channel):
        raise InvalidInput(
            "channel must be a lower-case word such as store, online, app", field="channel"
        )
    placed = require_moment(cmd.placed_at or now, now=now, skew=skew, field="placed_at")
    order = Order(
        order_id=cmd.order_id,
        member=cmd.member,
        placed_at=placed,
        paid=_money(cmd.paid, currency, "paid"),
        lines=tuple(_line(line, currency, f"lines.{i}.") for i, line in enumerate(cmd.lines)),
        channel=cmd.channel,
        store=cmd.store,
        discount=_money(cmd.discount, currency, "discount"),
        points_paid=require_points_paid(cmd.points_paid),
        attributes=dict(cmd.attributes),
    )
    return require_paid_agrees(order, currency)


def _money(value: str, currency: str, field: str) -> int:
    return require_amount(to_minor(value, currency, field=field), currency, field=field)


def _line(line: LineIn, currency: str, prefix: str) -> OrderLine:
    quantity = require_quantity(line.quantity, field=f"{prefix}quantity")
    price = _money(line.unit_price, currency, f"{prefix}unit_price")
    require_amount(quantity * price, currency, field=f"{prefix}unit_price")  # the line's gross
    return OrderLine(
        sku=line.sku,
        quantity=quantity,
        category=line.category,
        unit_price=price,
        tags=frozenset(line.tags),
        discount=_money(line.discount, currency, f"{prefix}discount"),
    )


def require_paid_agrees(order: Order, currency: str) -> Order:
    """``paid`` is the lines' net amounts less the order's discount, give or take a
    minor unit per line (a till's rounding); points used as payment may cover part of
    it, so with ``points_paid`` the money paid may be less, never more. An order
    without lines is taken as sent."""
    if not order.lines:
        return order
    expected = sum(line.net for line in order.lines) - order.discount
    slack = len(order.lines)
    low = 0 if order.points_paid else expected - slack
    if expected < 0 or not low <= order.paid <= expected + slack:
        raise InvalidInput(
            f"paid {to_major(order.paid, currency)} disagrees with the lines: they come to "
            f"{to_major(max(expected, 0), currency)} after discounts",
            code=EarningCode.PAID_DISAGREES_WITH_LINES,
            field="paid",
            paid=str(to_major(order.paid, currency)),
            lines=str(to_major(expected, currency)),
        )
    return order


def order_json(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "member": order.member,
        "placed_at": order.placed_at.isoformat(),
        "paid": order.paid,
        "channel": order.channel,
        "store": order.store,
        "discount": order.discount,
        "points_paid": order.points_paid,
        "attributes": dict(order.attributes),
        "lines": [
            {
                "sku": x.sku,
                "quantity": x.quantity,
                "unit_price": x.unit_price,
                "category": x.category,
                "tags": sorted(x.tags),
                "discount": x.discount,
            }
            for x in order.lines
        ],
    }


def order_from_json(data: dict[str, Any]) -> Order:
    return Order(
        order_id=data["order_id"],
        member=data["member"],
        placed_at=datetime.fromisoformat(data["placed_at"]),
        paid=data["paid"],
        channel=data["channel"],
        store=data["store"],
        discount=data["discount"],
        points_paid=data["points_paid"],
        attributes=dict(data["attributes"]),
        lines=tuple(
            OrderLine(
                x["sku"],
                x["quantity"],
                x["unit_price"],
                x["category"],
                frozenset(x["tags"]),
                x["discount"],
            )
            for x in data["lines"]
        ),
    )

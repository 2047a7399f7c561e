"""An order as the till sends it, checked (``to_order``), and as it is kept (JSON)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from jifen.domain.earning import Order, OrderLine
from jifen.domain.errors import InvalidInput
from jifen.domain.money import to_minor
from jifen.services.earning.commands import PlaceOrder

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$")


CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def to_order(cmd: PlaceOrder, currency: str, now: datetime) -> Order:
    if not NAME.match(cmd.order_id):
        raise InvalidInput("order_id must be 1-128 letters, digits or ._:/#-", field="order_id")
    if not CHANNEL.match(cmd.channel):
        raise InvalidInput(
            "channel must be a lower-case word such as store, online, app", field="channel"
        )
    if cmd.points_paid < 0:
        raise InvalidInput("points_paid cannot be negative", field="points_paid")
    lines = []
    for i, line in enumerate(cmd.lines):
        if line.quantity <= 0:
            raise InvalidInput(
                "quantity must be a positive whole number", field=f"lines.{i}.quantity"
            )
        lines.append(
            OrderLine(
                sku=line.sku,
                quantity=line.quantity,
                category=line.category,
                unit_price=to_minor(line.unit_price, currency, field=f"lines.{i}.unit_price"),
                tags=frozenset(line.tags),
                discount=to_minor(line.discount, currency, field=f"lines.{i}.discount"),
            )
        )
    placed = cmd.placed_at or now
    if placed.tzinfo is None:
        raise InvalidInput("placed_at needs a timezone offset", field="placed_at")
    return Order(
        order_id=cmd.order_id,
        member=cmd.member,
        placed_at=placed,
        paid=to_minor(cmd.paid, currency, field="paid"),
        lines=tuple(lines),
        channel=cmd.channel,
        store=cmd.store,
        discount=to_minor(cmd.discount, currency, field="discount"),
        points_paid=cmd.points_paid,
        attributes=dict(cmd.attributes),
    )


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

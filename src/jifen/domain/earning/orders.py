"""Orders, their lines, and refunds: what the till or the shop sends."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import InvalidInput
from jifen.domain.money import allocate

CHANNELS = frozenset({"store", "online", "app"})


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: int  # minor units
    category: str | None = None
    tags: frozenset[str] = frozenset()
    discount: int = 0  # minor units taken off this line

    @property
    def gross(self) -> int:
        return self.quantity * self.unit_price

    @property
    def net(self) -> int:
        return max(self.gross - self.discount, 0)


@dataclass(frozen=True)
class Order:
    """A purchase. ``paid`` is the money actually paid (after every discount
    and after any points used as payment): points are earned on it."""

    order_id: str
    member: str
    placed_at: datetime
    paid: int  # minor units
    lines: tuple[OrderLine, ...] = ()
    channel: str = "store"
    store: str | None = None
    discount: int = 0  # order-level discount, minor units
    points_paid: int = 0  # points the member used to pay
    attributes: dict[str, object] = field(default_factory=dict)

    def line_shares(self) -> list[int]:
        """``paid`` spread over the lines in proportion to their net value."""
        return allocate(self.paid, [line.net for line in self.lines])


@dataclass(frozen=True)
class Refund:
    """Money returned on an order: whole lines/quantities, or an amount."""

    refund_id: str
    order_id: str
    amount: int  # minor units of paid money returned
    lines: tuple[tuple[str, int], ...] = ()  # (sku, quantity) returned


def remaining_after(order: Order, refunds: list[Refund]) -> Order:
    """The order as it stands once ``refunds`` are taken out of it."""
    returned: dict[str, int] = {}
    refunded = 0
    for refund in refunds:
        refunded += refund.amount
        for sku, qty in refund.lines:
            returned[sku] = returned.get(sku, 0) + qty
    if refunded > order.paid:
        raise InvalidInput(
            f"refunds of {refunded} exceed the {order.paid} paid on order {order.order_id}",
            code=EarningCode.REFUND_EXCEEDS_PAID,
            order=order.order_id,
        )
    lines = []
    for line in order.lines:
        take = min(line.quantity, returned.get(line.sku, 0))
        if take:
            returned[line.sku] -= take
        qty = line.quantity - take
        if qty:
            kept = line.discount * qty // line.quantity
            lines.append(replace(line, quantity=qty, discount=kept))
    for sku, left in returned.items():
        if left and any(line.sku == sku for line in order.lines):
            raise InvalidInput(
                f"more of {sku} returned than bought",
                code=EarningCode.REFUND_EXCEEDS_QUANTITY,
                sku=sku,
            )
        if left:
            raise InvalidInput(
                f"{sku} is not on order {order.order_id}",
                code=EarningCode.REFUND_UNKNOWN_LINE,
                sku=sku,
            )

    return replace(order, paid=order.paid - refunded, lines=tuple(lines))

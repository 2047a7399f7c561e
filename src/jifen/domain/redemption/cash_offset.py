"""Points as money at checkout: "100 points = 1 yuan, on orders of 50 yuan or more".

Everything is in integer minor units (fen) and whole points. A quote never
charges points for a fraction of a fen that buys no discount: the discount is
rounded down to the policy's ``step``, and the points charged are the fewest
that buy exactly that discount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from jifen.domain.errors import InsufficientPoints, InvalidInput, OffsetBelowMinimum


class OffsetQuote(NamedTuple):
    points: int  # points the member gives
    discount: int  # minor units taken off the order
    payable: int  # minor units still to pay in money


@dataclass(frozen=True)
class CashOffsetPolicy:
    points: int  # `points` buy `value` minor units: 100 points = 100 fen
    value: int
    min_order: int = 0  # minor units; orders below it cannot use points
    max_share: int = 100  # percent of the order points may pay for
    step: int = 1  # the discount is a whole multiple of this many minor units

    def __post_init__(self) -> None:
        if self.points < 1 or self.value < 1:
            raise ValueError("a cash offset needs positive points and value")
        if not 1 <= self.max_share <= 100:
            raise ValueError("max_share is a percentage from 1 to 100")
        if self.step < 1:
            raise ValueError("step is at least one minor unit")

    def max_discount(self, order_total: int) -> int:
        """The most points may take off an order of ``order_total``."""
        if order_total < self.min_order:
            return 0
        cap = order_total * self.max_share // 100
        return cap - cap % self.step

    def points_for(self, discount: int) -> int:
        """The fewest points that buy ``discount`` (a multiple of ``step``)."""
        return -(-discount * self.points // self.value)

    def discount_for(self, points: int) -> int:
        """What ``points`` buy, rounded down to the step."""
        raw = points * self.value // self.points
        return raw - raw % self.step

    def quote(self, order_total: int, *, available: int, points: int | None = None) -> OffsetQuote:
        """The offset for an order: as much as allowed, or up to ``points``.

        ``available`` is the member's spendable balance. Asking for more points
        than that raises :class:`InsufficientPoints`; asking for more than the
        order allows is capped (the quote says what would be taken). Raises
        :class:`OffsetBelowMinimum` for an order below the minimum.
        """
        if order_total < 0:
            raise InvalidInput("the order total cannot be negative", field="order_total")
        if points is not None and points < 1:
            raise InvalidInput("points must be a positive whole number", field="points")
        if order_total < self.min_order:
            raise OffsetBelowMinimum(
                "points can pay only for orders of at least the minimum",
                min_order=self.min_order,
                order_total=order_total,
            )
        if points is not None and points > available:
            raise InsufficientPoints(
                "not enough points for this offset", requested=points, available=available
            )
        budget = max(0, available) if points is None else points
        discount = min(self.max_discount(order_total), self.discount_for(budget))
        return OffsetQuote(self.points_for(discount), discount, order_total - discount)

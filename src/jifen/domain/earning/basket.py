"""What an evaluation needs to know about an order, worked out once per order."""

from __future__ import annotations

from jifen.domain.earning.orders import Order
from jifen.domain.earning.rules import Match
from jifen.domain.money import allocate


class Basket:
    """The order's eligible money per line, and its lines indexed for matching."""

    def __init__(self, order: Order, basis: str) -> None:
        self.order = order
        lines = order.lines
        if basis == "gross":
            self.weights = [line.gross for line in lines]
            self.eligible = sum(self.weights)
        else:
            self.weights = allocate(order.paid, [line.net for line in lines])
            self.eligible = order.paid
        self.every = list(range(len(lines)))
        self._index: dict[tuple[str, str], list[int]] = {}
        for i, line in enumerate(lines):
            keys = [("sku", line.sku), ("category", line.category or "")]
            keys += [("tag", tag) for tag in line.tags]
            for key in keys:
                self._index.setdefault(key, []).append(i)

    def matching(self, match: Match) -> list[int]:
        """Indices of the lines ``match`` selects, in order."""
        keys = match.keys
        if not keys:
            return self.every
        if len(keys) == 1:  # the usual rule: one sku, category or tag
            return self._index.get(keys[0], [])
        found: set[int] = set()
        for key in keys:
            found.update(self._index.get(key, ()))
        return sorted(found)

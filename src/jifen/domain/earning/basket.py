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
        gross = [line.quantity * line.unit_price for line in lines]  # OrderLine.gross, inlined
        if basis == "gross":
            self.weights = gross
            self.eligible = sum(gross)
        else:
            net = [max(g - line.discount, 0) for g, line in zip(gross, lines, strict=True)]
            self.weights = allocate(order.paid, net)
            self.eligible = order.paid
        self.quantities = [line.quantity for line in lines]
        self.every = list(range(len(lines)))
        index: dict[tuple[str, str], list[int]] = {}
        for i, line in enumerate(lines):
            index.setdefault(("sku", line.sku), []).append(i)
            index.setdefault(("category", line.category or ""), []).append(i)
            for tag in line.tags:
                index.setdefault(("tag", tag), []).append(i)
        self._index = index

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

    def units(self, indices: list[int]) -> int:
        """Units bought over the lines ``indices``."""
        quantities = self.quantities
        return sum(quantities[i] for i in indices)

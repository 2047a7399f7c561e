"""What a member must reach for a tier: spend, points earned, purchases; any of / all of.

"Spend 5,000 yuan or earn 20,000 points, and make at least 6 purchases" is
``AllOf(AnyOf(Threshold(SPEND, 500000), Threshold(POINTS, 20000)), Threshold(ORDERS, 6))``.

Points are points *earned* in the window (never the balance, which spending
lowers); spend is money paid, net of refunds, in minor units.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from itertools import product
from typing import NamedTuple, Protocol


class Metric(enum.StrEnum):
    SPEND = "spend"  # minor units paid, net of refunds
    POINTS = "points"  # points earned (purchases and activities), net of clawbacks
    ORDERS = "orders"  # purchases, not counting fully refunded ones


@dataclass(frozen=True)
class Stats:
    """A member's activity over a qualification window."""

    spend: int = 0
    points: int = 0
    orders: int = 0

    def of(self, metric: Metric) -> int:
        return int(getattr(self, metric))  # a StrEnum is its name; .value costs more

    def __add__(self, other: Stats) -> Stats:
        return Stats(
            self.spend + other.spend, self.points + other.points, self.orders + other.orders
        )


class Gap(NamedTuple):
    metric: Metric
    have: int
    need: int

    @property
    def missing(self) -> int:
        return max(0, self.need - self.have)


#: One way to meet the criteria: every gap in it closed. () means met.
Route = tuple[Gap, ...]


class Criteria(Protocol):
    def met(self, stats: Stats) -> bool: ...

    def routes(self, stats: Stats) -> tuple[Route, ...]:
        """The ways still open, each with what is missing (met: a route with no gap)."""

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Threshold:
    metric: Metric
    minimum: int

    def met(self, stats: Stats) -> bool:
        return stats.of(self.metric) >= self.minimum

    def routes(self, stats: Stats) -> tuple[Route, ...]:
        have = stats.of(self.metric)
        return ((),) if have >= self.minimum else ((Gap(self.metric, have, self.minimum),),)

    def describe(self) -> str:
        return f"{self.metric.value} >= {self.minimum}"


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Criteria, ...]

    def met(self, stats: Stats) -> bool:
        return all(p.met(stats) for p in self.parts)

    def routes(self, stats: Stats) -> tuple[Route, ...]:
        combined = []
        for choice in product(*(p.routes(stats) for p in self.parts)):
            merged: dict[Metric, Gap] = {}
            for gap in (g for route in choice for g in route):
                old = merged.get(gap.metric)
                if old is None or gap.need > old.need:
                    merged[gap.metric] = gap
            combined.append(tuple(merged.values()))
        return _simplest(combined)

    def describe(self) -> str:
        return "(" + " and ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Criteria, ...]

    def met(self, stats: Stats) -> bool:
        return any(p.met(stats) for p in self.parts)

    def routes(self, stats: Stats) -> tuple[Route, ...]:
        return _simplest([r for p in self.parts for r in p.routes(stats)])

    def describe(self) -> str:
        return "(" + " or ".join(p.describe() for p in self.parts) + ")"


def _simplest(routes: list[Route]) -> tuple[Route, ...]:
    """Met if any route is met; otherwise the distinct routes, in order."""
    if any(not r for r in routes):
        return ((),)
    seen: list[Route] = []
    for r in routes:
        if r not in seen:
            seen.append(r)
    return tuple(seen)


def closeness(route: Route) -> float:
    """How far along a route is, 0..1: the least complete of its gaps."""
    if not route:
        return 1.0
    return min(g.have / g.need if g.need else 1.0 for g in route)

"""A challenge: a goal over a window, counted from the member's orders or activities.

- **What counts** (``counts``): qualifying orders, money spent on matching lines, units of
  them, different products among them, or times an ``activity`` was recorded. An order
  qualifies when it has a line the ``match`` names (any line when it names none) and its
  ``when`` holds; an activity when it is of the challenge's type and its ``when`` holds.
- **The goal**: reached when the count comes to ``goal`` (money in minor units); or, with
  ``in_a_row``, when that many days, weeks or months in a row each had something that
  counts, ``grace`` missed periods forgiven within the run.
- **Rounds**: with a ``period`` (week, month, year) each period is a challenge of its own,
  its progress starting from nothing; without one, the challenge's window is one round.
- **Who**: ``who``, a condition on the member alone (a segment, a tier), says who takes
  part; only their orders and activities count.
- **The reward**: ``points`` and/or a ``badge``, given once per round when the goal is
  reached. A refund that takes the count back under the goal before then rolls progress
  back; after, ``after_done`` says whether the reward is taken back too (``reverse``) or
  kept (``keep``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from jifen.domain.earning import Condition, Match, Period, Window


class Counts(enum.StrEnum):
    ORDERS = "orders"  # qualifying orders
    SPEND = "spend"  # money paid for the matching lines (minor units)
    UNITS = "units"  # units bought of the matching lines
    PRODUCTS = "products"  # different products (skus) among the matching lines
    ACTIVITIES = "activities"  # times the challenge's activity was recorded


#: what may be counted in a row: something happened in the period, or not
IN_A_ROW = frozenset({Counts.ORDERS, Counts.ACTIVITIES})
#: the periods a run is made of, and the rounds a challenge may repeat in
RUN_PERIODS = frozenset({Period.DAY, Period.WEEK, Period.MONTH})
ROUND_PERIODS = frozenset({Period.WEEK, Period.MONTH, Period.YEAR})


class AfterDone(enum.StrEnum):
    KEEP = "keep"  # a refund after the goal was reached leaves the reward
    REVERSE = "reverse"  # ... takes it back when the count falls under the goal


@dataclass(frozen=True)
class Challenge:
    id: str
    name: Mapping[str, str]
    counts: Counts
    goal: int  # in the unit of ``counts``: money in minor units; periods with ``in_a_row``
    how: Mapping[str, str] = field(default_factory=dict)
    activity: str | None = None  # counts activities of this type
    match: Match = field(default_factory=Match)
    when: Condition | None = None  # on the order or activity (and the member, and now)
    who: Condition | None = None  # on the member alone
    in_a_row: Period | None = None
    grace: int = 0  # with in_a_row: periods that may be missed inside a run
    period: Period | None = None  # each period a round of its own (None: one round)
    window: Window = field(default_factory=Window)  # starts/ends
    points: int = 0
    badge: str | None = None
    after_done: AfterDone = AfterDone.KEEP

    @property
    def on_orders(self) -> bool:
        return self.activity is None


@dataclass(frozen=True)
class Badge:
    """Something to show: given by a challenge, shown in the portal, read by rules as
    ``"veg-lover" in member.badges``."""

    id: str
    name: Mapping[str, str]
    description: Mapping[str, str] = field(default_factory=dict)
    image: str = "badge.svg"  # one of the portal's badge images

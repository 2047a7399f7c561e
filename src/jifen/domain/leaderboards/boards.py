"""A leaderboard: a score per member, per period and place, and the top of it.

- **What it counts** (``metric``): points earned (orders, activities, tasks, challenge
  rewards; a refund's clawback counts against), challenges completed, or a counter: how
  many times the member did one activity (``counter``: shares, check-ins).
- **When**: each ``week`` or ``month`` (the programme's calendar) is a board of its own.
  A score counts in the period it was recorded in, so a period is final once it ends: it
  is then frozen, and its ``prizes`` paid once.
- **Among whom** (``scope``): the whole programme, each store (the order's store), or each
  city (the member's ``attributes.city``). A score with no store or city is not counted in
  such a board.
- **How many it shows**: ``size``, the top of the board; a member also sees their own rank.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jifen.domain.earning import Period, period_key

PROGRAMME = ""  # the scope key of a board of the whole programme
MAX_PLACE = 64  # a store's code or a city's name longer than this is no board's place


class Metric(enum.StrEnum):
    POINTS = "points"
    CHALLENGES = "challenges"
    COUNTER = "counter"


class Scope(enum.StrEnum):
    PROGRAMME = "programme"
    STORE = "store"
    CITY = "city"


PERIODS = frozenset({Period.WEEK, Period.MONTH})


@dataclass(frozen=True)
class Prize:
    """Points for the ranks ``first`` to ``last`` (1-based) of a finished period."""

    first: int
    last: int
    points: int


@dataclass(frozen=True)
class Board:
    id: str
    name: Mapping[str, str]
    metric: Metric
    period: Period
    scope: Scope = Scope.PROGRAMME
    size: int = 10
    counter: str | None = None  # metric counter: the activity counted
    prizes: tuple[Prize, ...] = ()
    description: Mapping[str, str] = field(default_factory=dict)

    def prize_of(self, rank: int) -> int:
        return next((p.points for p in self.prizes if p.first <= rank <= p.last), 0)


def period_of(board: Board, local: datetime) -> str:
    """The period ``local`` (in the programme's timezone) falls in: ``week:2026-W49``."""
    return period_key(board.period, local)


def periods_of(board: Board, local: datetime, count: int) -> list[str]:
    """The running period and the ``count - 1`` before it, latest first."""
    out = [period_of(board, local)]
    day = local.replace(hour=12, minute=0, second=0, microsecond=0)
    while len(out) < count:
        if board.period is Period.WEEK:
            day -= timedelta(days=7)
        else:  # a month: the last day of the one before
            day = day.replace(day=1) - timedelta(days=1)
        out.append(period_of(board, day))
    return out


def scope_of(board: Board, store: str | None, city: object) -> str | None:
    """The place a score counts in on ``board`` (None: it does not count there, as when
    the store or city is missing, or longer than any place's name)."""
    if board.scope is Scope.PROGRAMME:
        return PROGRAMME
    place = store if board.scope is Scope.STORE else city
    return place if isinstance(place, str) and 0 < len(place) <= MAX_PLACE else None

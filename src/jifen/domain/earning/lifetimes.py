"""How long the points a programme gives can live, over every version it has published.

What ``jifen verify`` holds a lot's issued end to (``lot_expiry_beyond_policy``): points
earned (an order, an activity, a birthday gift, a lottery prize) end no later than the
latest end any version's expiry policy gives, the base one or a tier's, to points earned
then; they may never expire only if some version or tier lets points never expire. Points
given back after their lot ended (a reversal lot) live at most the longest grace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from jifen.domain.days import local_day
from jifen.domain.earning.program import EarningProgram, ExpiryPolicy

_TICK = timedelta(microseconds=1)  # the finest a stored instant gets


@dataclass(frozen=True)
class Lifetimes:
    ends: frozenset[tuple[ExpiryPolicy, str]]  # every policy with an end, with its timezone
    never: bool  # some version or tier lets points never expire
    grace: timedelta  # the longest returned points are given

    @classmethod
    def of(cls, books: Iterable[EarningProgram], graces: Iterable[timedelta]) -> Lifetimes:
        """Every expiry policy of ``books`` (each version's earning side), for every tier."""
        ends: set[tuple[ExpiryPolicy, str]] = set()
        never = False
        for book in books:
            for tier in (None, *book.tiers):
                policy = book.expiry_for(tier)
                if policy is None or policy.never:
                    never = True
                else:
                    ends.add((policy, book.timezone))
        return cls(frozenset(ends), never, max(graces, default=timedelta(0)))

    def latest_earned(self, start: datetime, end: datetime) -> datetime | None:
        """The latest end any version gives points earned in [start, end); None: none
        gives an end at all (every point earned then never expires)."""
        latest: datetime | None = None
        for policy, zone in self.ends:
            for day in _days(start, end, ZoneInfo(zone)):
                at = policy.latest_on(day, ZoneInfo(zone))
                if at is not None and (latest is None or at > latest):
                    latest = at
        return latest

    def latest_returned(self, end: datetime) -> datetime:
        """The latest end of points given back before ``end``."""
        return end + self.grace


def _days(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    """The local days [start, end) touches."""
    first, last = local_day(start, tz), local_day(end - _TICK, tz)
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]

"""The calendar of the nightly pipeline, in the programme's timezone.

A night is named by the *local day it opens*: the run for 2026-03-10 settles
everything due by that day's first instant in the programme's timezone (its
*cut-off*), 2026-03-10 00:00 in Asia/Shanghai = 2026-03-09 16:00 UTC, whenever
it actually runs.

Reminders look ahead from the cut-off, one local day at a time. Points whose
lot ends during local day ``L`` (after L's first instant, at or before the
next day's) can be used until the end of the day before, as the member's
``GET /expiring`` view shows them; so a lot ending at 2026-03-11 00:00 local is
usable through 2026-03-10, its *last day*. Seen from the night of ``D`` such
points expire *in n days*, ``n = (last day - D) + 1``: 1 means they end
tonight. Each n belongs to the smallest reminder horizon (1, 7 or 30 days)
that reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from jifen.domain.days import start_of

HORIZONS = (1, 7, 30)


def cutoff(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz`` (:func:`jifen.domain.days.start_of`), in UTC."""
    return start_of(day, tz).astimezone(UTC)


@dataclass(frozen=True)
class ReminderWindow:
    """Points ending in ``(after, until]`` have ``last_day`` as their last day."""

    days: int  # days ahead, seen from the night's cut-off (1 = they end tonight)
    horizon: int  # the reminder this belongs to: 1, 7 or 30
    last_day: date
    after: datetime
    until: datetime


def horizon_of(days: int) -> int:
    return next(h for h in HORIZONS if days <= h)


def reminder_windows(day: date, tz: ZoneInfo) -> tuple[ReminderWindow, ...]:
    """One window per local day from ``day`` to ``day + 29``, DST-aware."""
    windows = []
    for n in range(1, HORIZONS[-1] + 1):
        last = day + timedelta(days=n - 1)
        windows.append(
            ReminderWindow(
                days=n,
                horizon=horizon_of(n),
                last_day=last,
                after=cutoff(last, tz),
                until=cutoff(last + timedelta(days=1), tz),
            )
        )
    return tuple(windows)

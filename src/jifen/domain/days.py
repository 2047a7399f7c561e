"""Local days in the programme's timezone: where one starts, which one an instant is in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def start_of(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of local ``day``, in ``tz``.

    Where clocks jump over midnight the day starts at the jump; where midnight
    happens twice, at its first occurrence.
    """
    return datetime.combine(day, time(), tz).astimezone(UTC).astimezone(tz)


def local_day(when: datetime, tz: ZoneInfo) -> date:
    return when.astimezone(tz).date()

"""Calendar months as integers (202611 is November 2026), in the programme's timezone.

Tier statistics are kept per member per month; a window is a range of months.
"""

from __future__ import annotations

from datetime import datetime, tzinfo


def month_of(local: datetime) -> int:
    return local.year * 100 + local.month


def add_months(month: int, n: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + n
    return (index // 12) * 100 + index % 12 + 1


def first_instant(month: int, tz: tzinfo) -> datetime:
    """Midnight starting ``month`` in ``tz``."""
    return datetime(month // 100, month % 100, 1, tzinfo=tz)

"""Calendar periods in the programme's timezone, for caps and "first this week"."""

from __future__ import annotations

from datetime import datetime, timedelta

from jifen.domain.earning.rules import Period


def period_key(per: Period, local: datetime, campaign: str | None = None) -> str:
    """A stable name for the period ``local`` falls in, e.g. ``week:2026-W09``."""
    if per is Period.DAY:
        return f"day:{local.date().isoformat()}"
    if per is Period.WEEK:
        year, week, _ = local.isocalendar()
        return f"week:{year}-W{week:02d}"
    if per is Period.MONTH:
        return f"month:{local.year}-{local.month:02d}"
    if per is Period.YEAR:
        return f"year:{local.year}"
    if per is Period.CAMPAIGN:
        return f"campaign:{campaign or '-'}"
    return "lifetime"


def same_week(a: datetime, b: datetime) -> bool:
    return a.isocalendar()[:2] == b.isocalendar()[:2]


def week_span(local: datetime) -> tuple[datetime, datetime]:
    """The ISO week ``local`` falls in, Monday 00:00 to the next, in ``local``'s timezone."""
    monday = (local - timedelta(days=local.weekday())).date()
    start = datetime(monday.year, monday.month, monday.day, tzinfo=local.tzinfo)
    after = monday + timedelta(days=7)
    return start, datetime(after.year, after.month, after.day, tzinfo=local.tzinfo)


def first_of_week(order: tuple[datetime, str], first: tuple[datetime, str] | None) -> bool:
    """Whether the order (placed_at, order_id) is its member's first of the week, given the
    first recorded so far: the earliest placed, the smaller order id on a tie, whatever
    order they were recorded in."""
    return first is None or order < first

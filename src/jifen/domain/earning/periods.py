"""Calendar periods in the programme's timezone, for caps and "first this week"."""

from __future__ import annotations

from datetime import datetime

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

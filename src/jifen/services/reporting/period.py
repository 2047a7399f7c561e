"""What the programme did over a period, for the console's dashboard and for finance.

Issued (earned or credited by hand), redeemed and expired points are the period's
ledger entries; redeemed counts what members kept: a redemption cancelled or a spend
reversed, whenever that happens, is taken off the period it was spent in (so is the
redemption rate); members,
outstanding points and the tier spread are as they stand now. The liability is
the outstanding points at the programme's point value (pending and reserved
points included: they are owed too). Day buckets follow the programme's
timezone, at its offset when the period starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from jifen.domain.errors import InvalidInput
from jifen.domain.money import exponent
from jifen.domain.programs import Program
from jifen.services.reporting.ports import ReportingWork

MAX_DAYS = 366


@dataclass(frozen=True)
class Day:
    day: date
    issued: int
    redeemed: int
    expired: int


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date  # inclusive
    members: int
    active: int
    issued: int
    redeemed: int
    expired: int
    outstanding: int
    liability: int  # minor units of the programme's currency
    redemption_rate: Decimal | None  # redeemed / issued in the period
    tiers: list[tuple[str, int]]
    rewards: list[tuple[str, int, int]]
    days: list[Day]


def dashboard(uow: ReportingWork, program: Program, start: date, end: date) -> Dashboard:
    if end < start:
        raise InvalidInput("the period ends before it starts", field="to")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"a period is at most {MAX_DAYS} days", field="to")
    tz = program.tz
    first = datetime.combine(start, time(), tz)
    after = datetime.combine(end + timedelta(days=1), time(), tz)
    offset = int((first.utcoffset() or timedelta()).total_seconds())
    with uow:
        figures = uow.reports.period(program.id, first, after)
        daily = {d.day: d for d in uow.reports.by_day(program.id, first, after, offset)}
    epoch = date(1970, 1, 1)
    days = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        found = daily.get((day - epoch).days)
        days.append(
            Day(day, *(found.issued, found.redeemed, found.expired) if found else (0, 0, 0))
        )
    rate = None
    if figures.issued:
        rate = (Decimal(figures.redeemed) / figures.issued).quantize(Decimal("0.001"))
    return Dashboard(
        start,
        end,
        figures.members,
        figures.active,
        figures.issued,
        figures.redeemed,
        figures.expired,
        figures.outstanding,
        _minor(figures.outstanding * program.point_value, program.currency),
        rate,
        figures.tiers,
        figures.rewards,
        days,
    )


def _minor(amount: Decimal, currency: str) -> int:
    """Money to minor units, half a unit rounded up (a liability is an estimate)."""
    return int(amount.scaleb(exponent(currency)).to_integral_value(ROUND_HALF_UP))

"""What a member is about to lose: points expiring soon, by day in the programme's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from jifen.domain.errors import InvalidInput
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.ledger.ports import LedgerWork
from jifen.services.members.lookup import find_member
from jifen.services.ports import Clock

MAX_DAYS = 366


@dataclass(frozen=True)
class ExpiringDay:
    date: date  # the last local day the points can be used
    expires_at: datetime  # the instant they expire
    points: int


@dataclass(frozen=True)
class Expiring:
    member: str
    days: int
    total: int
    by_day: tuple[ExpiringDay, ...]


def expiring(
    uow: LedgerWork, clock: Clock, program: Program, external_id: str, days: int = 90
) -> Expiring:
    _check_days(days)
    now = clock.now()
    with uow:
        return expiring_of(uow, program, find_member(uow, program, external_id), now, days)


def expiring_of(
    uow: LedgerWork, program: Program, member: Member, now: datetime, days: int = 90
) -> Expiring:
    """What ``expiring`` answers for a member already read; call inside ``with uow``."""
    _check_days(days)
    tz = ZoneInfo(program.timezone)
    lots = uow.ledger.expiring_lots(member.id, now, now + timedelta(days=days))
    grouped: dict[date, tuple[datetime, int]] = {}
    for when, points in lots:
        # a lot expiring at midnight can be used until the end of the day before
        local = (when - timedelta(microseconds=1)).astimezone(tz).date()
        first, total = grouped.get(local, (when, 0))
        grouped[local] = (min(first, when), total + points)
    by_day = tuple(ExpiringDay(d, w, p) for d, (w, p) in sorted(grouped.items()))
    return Expiring(member.external_id, days, sum(x.points for x in by_day), by_day)


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}", field="days")

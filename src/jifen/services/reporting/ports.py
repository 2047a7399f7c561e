"""Aggregates for the dashboard and finance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jifen.services.ports import SharedWork


@dataclass(frozen=True)
class PeriodFigures:
    members: int
    active: int  # members with any movement in the period
    issued: int
    redeemed: int
    expired: int
    outstanding: int  # available + pending + held, now
    tiers: list[tuple[str, int]]  # active members per tier ('' for none)
    rewards: list[tuple[str, int, int]]  # top rewards: (code, units, points)


@dataclass(frozen=True)
class DayFigures:
    day: int  # days since 1970-01-01 in the programme's local time
    issued: int
    redeemed: int
    expired: int


class Reports(Protocol):
    def period(self, program_id: int, start: datetime, end: datetime) -> PeriodFigures: ...
    def by_day(
        self, program_id: int, start: datetime, end: datetime, offset_seconds: int
    ) -> list[DayFigures]: ...


class ReportingWork(SharedWork, Protocol):
    """What the dashboard reads."""

    reports: Reports

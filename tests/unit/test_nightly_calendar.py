"""The nightly calendar: cut-offs and reminder windows in the programme's timezone."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jifen.domain.days import local_day
from jifen.domain.nightly import cutoff, horizon_of, reminder_windows

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
HAVANA = ZoneInfo("America/Havana")  # its clocks jump from 00:00 to 01:00 in March


def test_a_night_starts_at_local_midnight() -> None:
    assert cutoff(date(2026, 3, 10), SHANGHAI) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    assert cutoff(date(2026, 3, 10), ZoneInfo("UTC")) == datetime(2026, 3, 10, tzinfo=UTC)
    assert local_day(datetime(2026, 3, 9, 16, 0, tzinfo=UTC), SHANGHAI) == date(2026, 3, 10)
    assert local_day(datetime(2026, 3, 9, 15, 59, tzinfo=UTC), SHANGHAI) == date(2026, 3, 9)


def test_where_midnight_does_not_exist_the_day_starts_at_the_jump() -> None:
    start = cutoff(date(2026, 3, 8), HAVANA)
    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert start.astimezone(HAVANA).hour == 1
    assert local_day(start - timedelta(seconds=1), HAVANA) == date(2026, 3, 7)


def test_reminder_windows_follow_local_days_across_a_dst_change() -> None:
    windows = reminder_windows(date(2026, 3, 7), NEW_YORK)  # clocks go forward on 8 March
    assert [w.days for w in windows] == list(range(1, 31))
    assert all(a.until == b.after for a, b in itertools.pairwise(windows))
    lengths = {w.last_day: w.until - w.after for w in windows[:3]}
    assert lengths == {
        date(2026, 3, 7): timedelta(hours=24),
        date(2026, 3, 8): timedelta(hours=23),
        date(2026, 3, 9): timedelta(hours=24),
    }
    assert windows[0].after == cutoff(date(2026, 3, 7), NEW_YORK)


@pytest.mark.parametrize(("days", "horizon"), [(1, 1), (2, 7), (7, 7), (8, 30), (29, 30), (30, 30)])
def test_each_distance_belongs_to_the_smallest_horizon_reaching_it(days: int, horizon: int) -> None:
    assert horizon_of(days) == horizon
    assert reminder_windows(date(2026, 1, 1), SHANGHAI)[days - 1].horizon == horizon

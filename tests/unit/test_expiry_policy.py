"""Expiry dates, judged in the programme's timezone: months, rounding, fixed days, DST.

Every expected value is written as a UTC instant, worked by hand, so a
computation done in the wrong timezone cannot agree with it by accident.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.adapters.programfile import ProgramFileError
from jifen.adapters.programfile.loader import read_program_definition
from jifen.domain.days import start_of
from jifen.domain.earning import ExpiryPolicy, TierEarning

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8 all year
BERLIN = ZoneInfo("Europe/Berlin")  # CET +1, CEST +2 from the last Sunday of March
SANTIAGO = ZoneInfo("America/Santiago")  # its clocks jump over midnight


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- around midnight: 2026-01-31 16:00 UTC is already 1 February in Shanghai --


@pytest.mark.parametrize(
    ("earned", "policy", "expected"),
    [
        # 23:59:59 on 31 January in Shanghai: January's points
        (utc(2026, 1, 31, 15, 59, 59), ExpiryPolicy(12, "month"), utc(2027, 1, 31, 16)),
        # one second later it is 1 February there (still 31 January in UTC)
        (utc(2026, 1, 31, 16, 0, 0), ExpiryPolicy(12, "month"), utc(2027, 2, 28, 16)),
        (utc(2026, 3, 31, 15, 59, 59), ExpiryPolicy(3, "quarter"), utc(2026, 6, 30, 16)),
        (utc(2026, 3, 31, 16, 0, 0), ExpiryPolicy(3, "quarter"), utc(2026, 9, 30, 16)),
        (utc(2026, 12, 31, 15, 59, 59), ExpiryPolicy(12, "year"), utc(2027, 12, 31, 16)),
        (utc(2026, 12, 31, 16, 0, 0), ExpiryPolicy(12, "year"), utc(2028, 12, 31, 16)),
        # unrounded: the same local time 12 months on; 31 January -> 28 February
        (utc(2026, 1, 30, 16, 30), ExpiryPolicy(1), utc(2026, 2, 27, 16, 30)),
        (utc(2026, 2, 28, 17, 0), ExpiryPolicy(12), utc(2027, 2, 28, 17, 0)),
    ],
)
def test_months_and_rounding_follow_the_shanghai_calendar_not_utcs(
    earned: datetime, policy: ExpiryPolicy, expected: datetime
) -> None:
    assert policy.expires_at(earned, SHANGHAI) == expected


def test_the_same_instant_rounds_to_different_months_in_shanghai_and_in_utc() -> None:
    earned = utc(2026, 5, 31, 20, 0)  # 1 June, 04:00 in Shanghai; 31 May in UTC
    policy = ExpiryPolicy(12, "month")
    assert policy.expires_at(earned, SHANGHAI) == utc(2027, 6, 30, 16)  # end of June, local
    assert policy.expires_at(earned, ZoneInfo("UTC")) == utc(2027, 6, 1)  # end of May, UTC


# -- across a DST change (Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00) --


def test_the_end_of_a_month_after_clocks_go_forward_is_local_midnight_in_summer_time() -> None:
    earned = datetime(2026, 2, 10, 12, 0, tzinfo=BERLIN)  # winter, UTC+1
    # the end of March is 1 April 00:00 CEST = 31 March 22:00 UTC (not 23:00)
    assert ExpiryPolicy(1, "month").expires_at(earned, BERLIN) == utc(2026, 3, 31, 22)
    # and the end of October is 1 November 00:00 CET = 31 October 23:00 UTC
    assert ExpiryPolicy(8, "month").expires_at(earned, BERLIN) == utc(2026, 10, 31, 23)


def test_a_wall_time_the_spring_jump_skips_is_read_as_the_clocks_read_it_after() -> None:
    earned = datetime(2025, 3, 29, 2, 30, tzinfo=BERLIN)  # a Saturday, CET: 01:30 UTC
    # 2026-03-29 02:30 does not exist in Berlin: 01:30 UTC, shown as 03:30 CEST
    expires = ExpiryPolicy(12).expires_at(earned, BERLIN)
    assert expires == utc(2026, 3, 29, 1, 30)
    assert expires is not None and expires.astimezone(BERLIN).hour == 3


def test_an_hour_the_autumn_change_repeats_is_its_first_occurrence() -> None:
    earned = utc(2025, 10, 25, 0, 30)  # 02:30 CEST on a Saturday
    # 2026-10-25 02:30 happens twice in Berlin; the points end at the first (CEST)
    assert ExpiryPolicy(12).expires_at(earned, BERLIN) == utc(2026, 10, 25, 0, 30)


def test_where_dst_skips_midnight_a_day_ends_when_the_clocks_jump() -> None:
    # Santiago went from 24:00 on 2026-09-05 straight to 01:00 on the 6th (UTC-4 -> UTC-3)
    assert start_of(date(2026, 9, 6), SANTIAGO) == utc(2026, 9, 6, 4)
    earned = datetime(2026, 8, 10, 12, 0, tzinfo=SANTIAGO)
    fixed = ExpiryPolicy(days=((9, 5),))
    assert fixed.expires_at(earned, SANTIAGO) == utc(2026, 9, 6, 4)


# -- fixed days of the year --


def test_points_end_on_the_first_listed_day_after_their_minimum_life() -> None:
    half_years = ExpiryPolicy(days=((6, 30), (12, 31)), min_months=3)
    # earned 15 May: 3 months reach 15 August, so the end of 31 December
    assert half_years.expires_at(datetime(2026, 5, 15, 10, tzinfo=SHANGHAI), SHANGHAI) == utc(
        2026, 12, 31, 16
    )
    # earned 23:30 on 31 December: 3 months reach 31 March, so the end of 30 June
    assert half_years.expires_at(utc(2026, 12, 31, 15, 30), SHANGHAI) == utc(2027, 6, 30, 16)
    # the same instant is still 2026 in UTC (15:30): there, 3 months reach 31 March too
    assert half_years.expires_at(utc(2026, 12, 31, 15, 30), ZoneInfo("UTC")) == utc(2027, 7, 1)


def test_a_yearly_clear_out_without_a_minimum_takes_everything_on_31_december() -> None:
    clear_out = ExpiryPolicy(days=((12, 31),))
    assert clear_out.expires_at(utc(2026, 12, 31, 15, 59), SHANGHAI) == utc(2026, 12, 31, 16)
    assert clear_out.expires_at(utc(2026, 12, 31, 16, 0), SHANGHAI) == utc(2027, 12, 31, 16)


def test_a_tier_with_longer_expiry_lengthens_the_minimum_of_fixed_days() -> None:
    policy = ExpiryPolicy(days=((12, 31),), min_months=0)
    assert policy.longer(18) == ExpiryPolicy(days=((12, 31),), min_months=18)
    assert ExpiryPolicy(12, "year").longer(24) == ExpiryPolicy(24, "year")
    assert TierEarning("gold", {}, expiry_months=24).expiry_months == 24


@given(
    earned=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    months=st.integers(1, 36),
    round_to=st.sampled_from([None, "month", "quarter", "year"]),
    tz=st.sampled_from([SHANGHAI, BERLIN, SANTIAGO, ZoneInfo("America/New_York")]),
)
def test_points_never_expire_before_the_months_they_were_promised(
    earned: datetime, months: int, round_to: str | None, tz: ZoneInfo
) -> None:
    expires = ExpiryPolicy(months, round_to).expires_at(earned, tz)
    assert expires is not None
    # at least months * 28 days, less an hour a DST change can take; rounded ends are midnights
    assert expires >= earned + timedelta(days=28 * months) - timedelta(hours=1)
    if round_to is not None:
        local = expires.astimezone(tz)
        assert local.day == 1 and expires == start_of(local.date(), tz)


@given(
    earned=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    days=st.sets(st.sampled_from([(3, 31), (6, 30), (9, 30), (12, 31), (2, 28)]), min_size=1),
    min_months=st.integers(0, 24),
)
def test_fixed_days_end_at_a_listed_day_within_a_year_of_the_minimum(
    earned: datetime, days: set[tuple[int, int]], min_months: int
) -> None:
    expires = ExpiryPolicy(days=tuple(days), min_months=min_months).expires_at(earned, SHANGHAI)
    assert expires is not None
    last_day = (expires.astimezone(SHANGHAI) - timedelta(days=1)).date()
    assert (last_day.month, last_day.day) in days
    assert expires > earned + timedelta(days=28 * min_months)
    assert expires <= earned + timedelta(days=31 * min_months + 366)


# -- the programme file --

FILE = """\
program:
  code: shop
  name: {en: Shop}
  currency: CNY
  point_value: "0.01"
  timezone: Asia/Shanghai
earning:
  expiry: {days: ["06-30", "12-31"], min_months: 3}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_fixed_days_are_read_from_the_programme_file(tmp_path: Path) -> None:
    earning = read_program_definition(write(tmp_path, FILE)).earning
    assert earning.expiry == ExpiryPolicy(days=((6, 30), (12, 31)), min_months=3)
    assert earning.expires_at(utc(2026, 5, 15)) == utc(2026, 12, 31, 16)


@pytest.mark.parametrize(
    ("expiry", "message"),
    [
        ('{days: ["13-01"]}', "'13-01' is not a day of the year written MM-DD"),
        ('{days: ["6-30"]}', "'6-30' is not a day of the year written MM-DD"),
        ('{days: ["02-29"]}', "02-29 comes only in leap years"),
        ('{days: ["12-31", "12-31"]}', "a day is listed twice"),
        ('{days: ["12-31"], months: 12}', "either `months`"),
        ("{months: 12, min_months: 3}", "`min_months` goes with fixed `days`"),
        ("{round_to: year}", "`round_to` needs `months`"),
    ],
)
def test_a_bad_expiry_is_reported_on_its_line(tmp_path: Path, expiry: str, message: str) -> None:
    text = FILE.replace('{days: ["06-30", "12-31"], min_months: 3}', expiry)
    with pytest.raises(ProgramFileError) as err:
        read_program_definition(write(tmp_path, text))
    detail = str(err.value.detail)
    assert detail.startswith(f"{tmp_path / 'p.yaml'}:8: earning.expiry")
    assert message in detail

"""The longest points can live over a programme's versions: what verify holds lots to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from jifen.domain.days import local_day
from jifen.domain.earning import EarningProgram, ExpiryPolicy, Lifetimes, TierEarning

ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/Santiago", "Asia/Kolkata", "UTC"]
POLICIES = [
    ExpiryPolicy(12),
    ExpiryPolicy(1),
    ExpiryPolicy(12, "month"),
    ExpiryPolicy(3, "quarter"),
    ExpiryPolicy(12, "year"),
    ExpiryPolicy(days=((6, 30), (12, 31)), min_months=6),
    ExpiryPolicy(days=((12, 31),)),
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def book(expiry: ExpiryPolicy, *tiers: TierEarning, zone: str = "Asia/Shanghai") -> EarningProgram:
    return EarningProgram(1, zone, "CNY", expiry=expiry, tiers={t.code: t for t in tiers})


def tier(code: str, months: int | None = None, never: bool = False) -> TierEarning:
    return TierEarning(code, {"en": code}, expiry_months=months, never_expire=never)


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(POLICIES),
    st.sampled_from(ZONES),
)
def test_no_point_earned_on_a_day_outlives_that_days_latest_end(
    earned: datetime, policy: ExpiryPolicy, zone: str
) -> None:
    tz = ZoneInfo(zone)
    end = policy.expires_at(earned, tz)
    latest = policy.latest_on(local_day(earned, tz), tz)
    assert end is not None and latest is not None and end <= latest
    assert latest - end < timedelta(days=1, hours=2)  # to the day, not looser


def test_an_end_rounded_or_on_a_fixed_day_is_exact_for_the_whole_day() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    for policy in (ExpiryPolicy(12, "year"), ExpiryPolicy(days=((12, 31),), min_months=3)):
        latest = policy.latest_on(date(2026, 5, 4), tz)
        assert latest == policy.expires_at(utc(2026, 5, 4, 15, 59, 59), tz)
        assert latest == policy.expires_at(utc(2026, 5, 3, 16), tz)


def test_a_month_to_the_time_of_day_ends_by_the_end_of_the_day_it_falls_on() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    # 31 January, 12 months on, in Shanghai: 31 January 2027 ends at 16:00 UTC
    assert ExpiryPolicy(12).latest_on(date(2026, 1, 31), tz) == utc(2027, 1, 31, 16)
    # 31 January, 1 month on: 28 February
    assert ExpiryPolicy(1).latest_on(date(2026, 1, 31), tz) == utc(2026, 2, 28, 16)


def test_the_latest_end_is_the_longest_over_every_version_and_tier() -> None:
    lifetimes = Lifetimes.of(
        [book(ExpiryPolicy(12)), book(ExpiryPolicy(6), tier("gold", months=24))],
        [timedelta(days=30), timedelta(days=7)],
    )
    earned = utc(2026, 3, 10, 2)  # 10 March, 10:00 in Shanghai
    assert lifetimes.latest_earned(earned, earned + timedelta(hours=1)) == utc(2028, 3, 10, 16)
    assert not lifetimes.never
    assert lifetimes.latest_returned(earned) == earned + timedelta(days=30)


def test_points_may_never_expire_only_where_a_version_or_tier_says_so() -> None:
    assert Lifetimes.of([book(ExpiryPolicy(12), tier("diamond", never=True))], []).never
    assert Lifetimes.of([book(ExpiryPolicy())], []).never
    assert not Lifetimes.of([book(ExpiryPolicy(12), tier("gold", months=24))], []).never


def test_with_no_policy_that_ends_no_end_is_possible() -> None:
    lifetimes = Lifetimes.of([book(ExpiryPolicy())], [])
    assert lifetimes.latest_earned(utc(2026, 1, 1), utc(2026, 1, 1, 1)) is None


def test_an_hour_across_local_midnight_takes_the_later_days_end() -> None:
    lifetimes = Lifetimes.of([book(ExpiryPolicy(12), zone="Asia/Kolkata")], [])
    # 18:00-19:00 UTC is 23:30-00:30 in Kolkata: 9 and 10 March
    latest = lifetimes.latest_earned(utc(2026, 3, 9, 18), utc(2026, 3, 9, 19))
    assert latest == datetime(2027, 3, 11, tzinfo=ZoneInfo("Asia/Kolkata"))


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
    ),
    st.lists(st.sampled_from(POLICIES), min_size=1, max_size=3),
    st.sampled_from(ZONES),
    st.sampled_from([None, "gold", "diamond"]),
)
def test_no_lot_a_version_gives_is_later_than_the_latest_end_of_its_hour(
    earned: datetime, policies: list[ExpiryPolicy], zone: str, member_tier: str | None
) -> None:
    books = [
        book(p, tier("gold", months=24), tier("diamond", never=True), zone=zone) for p in policies
    ]
    lifetimes = Lifetimes.of(books, [])
    hour = earned.replace(minute=0, second=0, microsecond=0)
    latest = lifetimes.latest_earned(hour, hour + timedelta(hours=1))
    for b in books:
        end = b.expires_at(earned, member_tier)
        assert end is None if member_tier == "diamond" else latest is not None and end <= latest

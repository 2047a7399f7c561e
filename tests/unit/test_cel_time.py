"""Timestamps and durations in CEL conditions: values, arithmetic, accessors, time zones.

Given the CEL specification's ``timestamp()``/``duration()`` functions and
accessors, when a condition is compiled with or without a default time zone,
then the accessors read the time in that zone (UTC unless told), and a zone
the condition names wins.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jifen.adapters.cel import CelEvalError, UnsupportedExpression, compile_condition

ERROR = "<error>"
T = 'timestamp("2024-05-04T23:30:00Z")'  # a Saturday in UTC; Sunday 07:30 in Shanghai


def value(text: str, **options: Any) -> Any:
    try:
        return compile_condition(text, **options).evaluate({})
    except CelEvalError:
        return ERROR


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (T, datetime(2024, 5, 4, 23, 30, tzinfo=UTC)),
        ('timestamp("2024-05-05T07:30:00+08:00") == ' + T, True),
        (
            'timestamp("2024-05-04T23:30:00.123456789Z")',
            datetime(2024, 5, 4, 23, 30, 0, 123456, UTC),
        ),
        ("timestamp(0)", datetime(1970, 1, 1, tzinfo=UTC)),
        ('timestamp("2024-13-01T00:00:00Z")', ERROR),
        ('timestamp("2024-05-04")', ERROR),
        ('timestamp("9999-12-31T23:59:59Z") + duration("1s")', ERROR),
        ('duration("1h30m")', timedelta(hours=1, minutes=30)),
        ('duration("-1.5s")', timedelta(seconds=-1.5)),
        ('duration("300ms") + duration("200ms") == duration("0.5s")', True),
        ('duration("1d")', ERROR),
        ('duration("")', ERROR),
        (f'{T} + duration("30m") == timestamp("2024-05-05T00:00:00Z")', True),
        (f'duration("30m") + {T} > {T}', True),
        (f'{T} - timestamp("2024-05-04T00:00:00Z")', timedelta(hours=23, minutes=30)),
        (f'{T} - duration("1h") < {T}', True),
        (f"{T} + {T}", ERROR),
        (f"{T} < 1", ERROR),
        (f"{T} == 1", False),
        (f"string({T})", "2024-05-04T23:30:00Z"),
        ('string(duration("90m"))', "5400s"),
        (f"int({T})", 1714865400),
        (f"type({T}) == google.protobuf.Timestamp", True),
        ('type(duration("1s")) == google.protobuf.Duration', True),
        (f"{T}.getFullYear()", 2024),
        (f"{T}.getMonth()", 4),  # 0-based
        (f"{T}.getDate()", 4),  # 1-based
        (f"{T}.getDayOfMonth()", 3),  # 0-based
        (f"{T}.getDayOfYear()", 124),  # 0-based
        (f"{T}.getDayOfWeek()", 6),  # Saturday; Sunday is 0
        (f"{T}.getHours()", 23),
        (f"{T}.getMinutes()", 30),
        (f'{T}.getDayOfWeek("Asia/Shanghai")', 0),
        (f'{T}.getHours("Asia/Shanghai")', 7),
        (f'{T}.getHours("+08:00")', 7),
        (f'{T}.getHours("-02:30")', 21),
        (f'{T}.getHours("Mars/Olympus")', ERROR),
        ('duration("90m").getHours()', 1),
        ('duration("90m").getMinutes()', 90),
        ('duration("-90m").getHours()', -1),
        ('duration("90m").getHours("UTC")', ERROR),
        ("(1).getHours()", ERROR),
    ],
)
def test_timestamps_and_durations_follow_the_specification(text: str, expected: Any) -> None:
    actual = value(text)
    assert type(actual) is type(expected)
    assert actual == expected, text


def test_accessors_read_the_time_in_the_default_zone_the_condition_was_compiled_with() -> None:
    # Given the programme's zone, when a condition reads the hour without a zone,
    assert value(f"{T}.getHours()", timezone="Asia/Shanghai") == 7
    assert value(f"{T}.getDayOfWeek()", timezone=ZoneInfo("Asia/Shanghai")) == 0
    # then a zone the condition names still wins.
    assert value(f'{T}.getHours("UTC")', timezone="Asia/Shanghai") == 23


def test_an_unknown_default_zone_is_refused_when_compiling() -> None:
    with pytest.raises(UnsupportedExpression, match="unknown time zone"):
        compile_condition("true", timezone="Nowhere/Land")


def test_timestamps_can_come_from_the_activation() -> None:
    # An adapter may hand a condition aware datetimes: they are CEL timestamps.
    placed = datetime(2024, 5, 5, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    condition = compile_condition(
        'order.placed_at.getHours() < 9 && order.placed_at > timestamp("2024-01-01T00:00:00Z")',
        timezone="Asia/Shanghai",
    )
    assert condition({"order": {"placed_at": placed}}) is True
    # An aware datetime in another zone is the same instant, spelled in UTC.
    local = datetime(2024, 5, 5, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    spelled = compile_condition("string(t) == '2024-05-04T23:30:00Z'", frozenset({"t"}))
    assert spelled({"t": local}) is True


def test_the_now_map_of_existing_programmes_keeps_working() -> None:
    condition = compile_condition("now.weekday in [1, 2, 3, 4, 5] && now.hour < 10")
    assert condition({"now": {"weekday": 3, "hour": 9}}) is True

"""Timestamps and durations: ``timestamp()``, ``duration()``, their arithmetic and accessors.

A timestamp is an aware ``datetime.datetime`` in UTC, from year 1 to 9999; a
duration a ``datetime.timedelta`` within ±10,000 years. Both hold
microseconds: digits past the sixth of a fraction are dropped (the
specification has nanoseconds). ``timestamp("2024-05-01T09:30:00+08:00")``
takes RFC 3339; ``duration("1h30m")`` takes Go's syntax (``h m s ms us ns``,
a sign and fractions). The accessors take an optional time zone, an IANA name
(``"Asia/Shanghai"``) or an offset (``"+08:00"``); without one, they read the
time in the zone the condition was compiled with (UTC unless told).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jifen.adapters.cel.runtime.errors import CelEvalError, overload

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_TS: Final = datetime(1, 1, 1, tzinfo=UTC)
_MAX_TS: Final = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
_MAX_DURATION: Final = timedelta(seconds=315_576_000_000)
_RFC3339: Final = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))"
)
_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS: Final = {
    "ns": 1e-3,
    "us": 1,
    "µs": 1,
    "ms": 1000,
    "s": 1_000_000,
    "m": 60_000_000,
    "h": 3_600_000_000,
}
_OFFSET: Final = re.compile(r"([+-])(\d\d):(\d\d)")


def checked_timestamp(value: datetime) -> datetime:
    if _MIN_TS <= value <= _MAX_TS:
        return value
    raise CelEvalError("timestamp out of range")


def checked_duration(value: timedelta) -> timedelta:
    if -_MAX_DURATION <= value <= _MAX_DURATION:
        return value
    raise CelEvalError("duration out of range")


def timestamp(value: Any) -> datetime:
    """``timestamp(s)`` of an RFC 3339 string, or of an int of seconds since the epoch."""
    tv = type(value)
    if tv is datetime:
        return value  # type: ignore[no-any-return]
    if tv is int:
        return checked_timestamp(_EPOCH + timedelta(seconds=value))
    if tv is not str:
        raise overload("timestamp", value)
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise CelEvalError(f"invalid timestamp: {value!r}")
    y, mo, d, h, mi, s, frac, z, sign, oh, om = match.groups()
    zone = UTC if z else timezone(int(sign + "1") * timedelta(hours=int(oh), minutes=int(om)))
    micros = int((frac or "0")[:6].ljust(6, "0"))
    try:
        local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micros, zone)
        return checked_timestamp(local.astimezone(UTC))
    except (ValueError, OverflowError):
        raise CelEvalError(f"invalid timestamp: {value!r}") from None


def duration(value: Any) -> timedelta:
    """``duration(s)`` of Go's syntax: ``"1h30m"``, ``"-1.5s"``, ``"0"``."""
    if type(value) is timedelta:
        return value
    if type(value) is not str:
        raise overload("duration", value)
    text = value[1:] if value[:1] in "+-" else value
    negative = value[:1] == "-"
    if text == "0":
        return timedelta(0)
    micros, end = 0.0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != end:
            break
        micros += float(match.group(1)) * _UNITS[match.group(2)]
        end = match.end()
    if not text or end != len(text):
        raise CelEvalError(f"invalid duration: {value!r}")
    try:
        return checked_duration(timedelta(microseconds=-micros if negative else micros))
    except OverflowError:
        raise CelEvalError(f"invalid duration: {value!r}") from None


def add_time(a: Any, b: Any) -> Any:
    """``a + b`` of a timestamp and a duration (either order) or two durations."""
    if type(a) is timedelta and type(b) is timedelta:
        return checked_duration(a + b)
    if type(a) is not type(b):
        try:
            return checked_timestamp(a + b)
        except OverflowError:
            raise CelEvalError("timestamp out of range") from None
    raise overload("_+_", a, b)


def sub_time(a: Any, b: Any) -> Any:
    """``a - b``: a timestamp less a duration or a timestamp, or two durations."""
    try:
        if type(a) is datetime and type(b) is timedelta:
            return checked_timestamp(a - b)
        if type(b) is type(a):
            return checked_duration(a - b)
    except OverflowError:
        raise CelEvalError("timestamp out of range") from None
    raise overload("_-_", a, b)


def timestamp_string(value: datetime) -> str:
    """RFC 3339 in UTC, with as many fraction digits as needed: ``2024-05-01T01:30:00.5Z``."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def duration_string(value: timedelta) -> str:
    """Seconds, as google.protobuf.Duration's JSON: ``"5400s"``, ``"-1.5s"``."""
    micros = value // timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    seconds, fraction = divmod(abs(micros), 1_000_000)
    return f"{sign}{seconds}" + (f".{fraction:06d}".rstrip("0") if fraction else "") + "s"


def epoch_seconds(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(seconds=1)


@functools.lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """A time zone by IANA name (``"Asia/Shanghai"``, ``"UTC"``) or offset (``"+08:00"``)."""
    match = _OFFSET.fullmatch(name)
    if match:
        sign, hours, minutes = match.groups()
        return timezone(int(sign + "1") * timedelta(hours=int(hours), minutes=int(minutes)))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CelEvalError(f"unknown time zone: {name!r}") from None


def _local(value: Any, tz: Any, method: str) -> datetime:
    if type(value) is not datetime:
        raise overload(method, value)
    if type(tz) is str:
        tz = zone(tz)
    elif not isinstance(tz, tzinfo):
        raise overload(method, value, tz)
    return value.astimezone(tz)


def _duration_part(value: timedelta, unit: timedelta) -> int:
    whole = abs(value) // unit
    return -whole if value < timedelta(0) else whole


def _accessor(method: str, of_local: Any, of_duration: timedelta | None) -> Any:
    def get(value: Any, tz: Any = UTC, explicit: bool = False) -> int:
        if type(value) is timedelta and of_duration is not None and not explicit:
            return _duration_part(value, of_duration)
        return int(of_local(_local(value, tz, method)))

    get.__name__ = method
    return get


ACCESSORS: Final = {
    "getFullYear": _accessor("getFullYear", lambda t: t.year, None),
    "getMonth": _accessor("getMonth", lambda t: t.month - 1, None),
    "getDate": _accessor("getDate", lambda t: t.day, None),
    "getDayOfMonth": _accessor("getDayOfMonth", lambda t: t.day - 1, None),
    "getDayOfYear": _accessor("getDayOfYear", lambda t: t.timetuple().tm_yday - 1, None),
    "getDayOfWeek": _accessor("getDayOfWeek", lambda t: t.isoweekday() % 7, None),
    "getHours": _accessor("getHours", lambda t: t.hour, timedelta(hours=1)),
    "getMinutes": _accessor("getMinutes", lambda t: t.minute, timedelta(minutes=1)),
    "getSeconds": _accessor("getSeconds", lambda t: t.second, timedelta(seconds=1)),
    "getMilliseconds": _accessor(
        "getMilliseconds", lambda t: t.microsecond // 1000, timedelta(milliseconds=1)
    ),
}
"""The accessor methods, each ``f(value, zone, explicit)``: ``explicit`` when the
condition named the zone (a duration takes none)."""

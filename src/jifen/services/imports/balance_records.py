"""One row of a balance file, checked before the database sees it: a dict to an ``OpenBalance``.

A record has the fields ``member`` and ``points`` (required), ``expires_at``,
``earned_at`` and ``reference``. Points are a whole number from 1 to 10^9. A
time is an ISO 8601 date or a time with an offset; a date is read in the
programme's timezone: ``expires_at`` 2026-12-31 keeps the points to the end of
that day, ``earned_at`` 2025-06-01 is the start of that day. A reader that
cannot parse a row passes ``{ERROR: reason}`` instead, and the row is rejected.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jifen.domain.error_codes import ImportCode
from jifen.domain.errors import InvalidInput
from jifen.services.imports.commands import OpenBalance
from jifen.services.imports.order_records import ERROR
from jifen.services.members import require_external_id

FIELDS = frozenset({"member", "points", "expires_at", "earned_at", "reference"})
MAX_POINTS = 10**9
MAX_REFERENCE = 100
DEFAULT_REFERENCE = "opening"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def opening_from(record: object, tz: ZoneInfo, now: datetime) -> OpenBalance:
    """The opening balance a record describes; ``InvalidInput`` says what is wrong with it."""
    if not isinstance(record, dict):
        raise InvalidInput("a row must be a JSON object", code=ImportCode.ROW_INVALID)
    if ERROR in record:
        raise InvalidInput(str(record[ERROR]), code=ImportCode.ROW_UNREADABLE)
    unknown = sorted(str(k) for k in record if k not in FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]}", field=unknown[0])
    earned_at = _time(record, "earned_at", tz, next_day=False)
    if earned_at is not None and earned_at > now:
        raise InvalidInput(
            f"earned_at {record['earned_at']} is in the future", code=ImportCode.EARNED_IN_FUTURE
        )
    expires_at = _time(record, "expires_at", tz, next_day=True)
    if expires_at is not None and earned_at is not None and expires_at <= earned_at:
        raise InvalidInput("expires_at must be after earned_at", field="expires_at")
    return OpenBalance(
        member=_member(record),
        points=_points(record.get("points")),
        reference=_reference(record.get("reference")),
        expires_at=expires_at,
        earned_at=earned_at,
    )


def _member(record: dict[str, Any]) -> str:
    value = record.get("member")
    if value is None or value == "":
        raise InvalidInput("member is missing", field="member")
    if not isinstance(value, str):
        raise InvalidInput(f"member must be text, not {value!r}", field="member")
    try:
        return require_external_id(value)
    except InvalidInput:
        raise InvalidInput(
            f"member must be 1-128 letters, digits or ._:@-, not {value!r}", field="member"
        ) from None


def _points(value: object) -> int:
    if value is None or value == "":
        raise InvalidInput("points is missing", field="points")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"points must be a whole number, not {value!r}", field="points")
    if value < 1:
        raise InvalidInput(f"points must be at least 1, not {value}", field="points")
    if value > MAX_POINTS:
        raise InvalidInput(f"points must be at most {MAX_POINTS}, not {value}", field="points")
    return value


def _reference(value: object) -> str:
    if value is None or value == "":
        return DEFAULT_REFERENCE
    if not isinstance(value, str) or len(value) > MAX_REFERENCE or not value.isprintable():
        raise InvalidInput(
            f"reference must be printable text of at most {MAX_REFERENCE} characters",
            field="reference",
        )
    return value


def _time(record: dict[str, Any], name: str, tz: ZoneInfo, *, next_day: bool) -> datetime | None:
    """A date or a time with an offset; a date is its day's start, or the next day's."""
    value = record.get(name)
    if value is None or value == "":
        return None
    parsed: datetime | None = None
    if isinstance(value, str) and DATE.match(value):
        try:
            day = date.fromisoformat(value) + timedelta(days=1 if next_day else 0)
            parsed = datetime.combine(day, time(), tzinfo=tz)
        except ValueError:
            parsed = None
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date, such as 2026-12-31, or a time with an offset, "
            f"such as 2026-12-31T23:59:59+08:00, not {value!r}",
            field=name,
        )
    return parsed

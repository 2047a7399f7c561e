"""What jifen stores: the bounds of an id and of an instant, the same on both databases.

A value from outside beyond these is refused as ``out_of_range`` (HTTP 422) where it
enters, before it reaches a query or a date sum that cannot hold it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from jifen.domain.error_codes import RequestCode
from jifen.domain.errors import InvalidInput

#: The largest row id: the columns are 64-bit signed integers
MAX_ROW_ID = 2**63 - 1
#: The largest programme version: a 32-bit signed column
MAX_VERSION = 2**31 - 1
#: The instants a caller may name: far around any programme's life, and far inside what
#: Python's dates and both databases hold, with room for a policy's years added to them
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def require_row_id(value: str, *, field: str) -> int:
    """``value`` (text from outside) as a row id, or :class:`InvalidInput`."""
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ROW_ID:
        raise InvalidInput(f"{field} is not one this API returned", field=field)
    return int(value)


def require_instant(value: datetime, *, field: str) -> datetime:
    """``value`` if it names its offset and lies from 1970 up to the year 3000."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{field} needs a UTC offset, e.g. +08:00", field=field)
    try:
        inside = EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:  # 9999-12-31T23:59-14:00 is past year 9999 in UTC
        inside = False
    if not inside:
        raise InvalidInput(
            f"{field} must lie from {EARLIEST.year} up to {LATEST.year}",
            code=RequestCode.OUT_OF_RANGE,
            field=field,
        )
    return value

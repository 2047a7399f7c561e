"""The bounds every value from outside is held to, before it can move points.

Times: a moment an order was placed or an activity happened must carry its
offset, fall in [:data:`EARLIEST`, :data:`LATEST`) (else ``date_out_of_range``)
and be no later than *now* plus the clock skew a till may have
(``JIFEN_CLOCK_SKEW_SECONDS``, :data:`DEFAULT_SKEW`; else ``date_in_future``).
A future date would slip past daily caps and stretch expiry; a date outside
the window is no real purchase, and years 1 or 9999 do not even survive a
change of timezone.

Sizes: money per order, line, unit price and discount is at most
:data:`MAX_MONEY_UNITS` of the currency's major unit; a line's quantity at most
:data:`MAX_QUANTITY`; points paid (and every ledger operation, see
:mod:`jifen.domain.points`) at most ``MAX_POINTS``; beyond: ``amount_too_large``.

What jifen stores: a row id named from outside (a path's id, a cursor) is at most
:data:`MAX_ROW_ID` (64-bit columns), a programme version at most :data:`MAX_VERSION`
(32-bit); any other instant a caller names (a credit's ``expires_at``, a reward's window)
carries its offset and lies in [:data:`INSTANT_EARLIEST`, :data:`INSTANT_LATEST`), far
around any programme's life and far inside what Python and both databases hold, with room
for a policy's years added to it (else ``out_of_range``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from jifen.domain.error_codes import EarningCode, RequestCode
from jifen.domain.errors import InvalidInput
from jifen.domain.money import exponent
from jifen.domain.points import MAX_POINTS

#: the window of moments an order or an activity may carry at all
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive
#: how far ahead of the server's clock an outside clock may run, by default
DEFAULT_SKEW = timedelta(seconds=300)
#: the largest amount of money, in major units of the currency, per order or line
MAX_MONEY_UNITS = 10**9
#: the largest quantity on one line
MAX_QUANTITY = 10**6
#: the largest row id: the columns are 64-bit signed integers
MAX_ROW_ID = 2**63 - 1
#: the largest programme version: a 32-bit signed column
MAX_VERSION = 2**31 - 1
#: the window of any other instant a caller may name (an expiry, a reward's window)
INSTANT_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
INSTANT_LATEST = datetime(3000, 1, 1, tzinfo=UTC)  # exclusive

__all__ = [
    "DEFAULT_SKEW",
    "EARLIEST",
    "INSTANT_EARLIEST",
    "INSTANT_LATEST",
    "LATEST",
    "MAX_MONEY_UNITS",
    "MAX_POINTS",
    "MAX_QUANTITY",
    "MAX_ROW_ID",
    "MAX_VERSION",
    "max_minor",
    "require_amount",
    "require_instant",
    "require_moment",
    "require_points_paid",
    "require_quantity",
    "require_row_id",
]


def require_moment(value: datetime, *, now: datetime, skew: timedelta, field: str) -> datetime:
    """``value`` if it has an offset and lies in ``[EARLIEST, now + skew]``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{field} needs a timezone offset, such as 2026-03-01T12:00:00+08:00", field=field
        )
    latest = now + skew
    if not EARLIEST <= value < LATEST:  # aware comparisons never overflow, unlike astimezone
        raise InvalidInput(
            f"{field} must lie between {EARLIEST.date().isoformat()} and now",
            code=EarningCode.DATE_OUT_OF_RANGE,
            field=field,
            earliest=EARLIEST.isoformat(),
        )
    if value > latest:
        raise InvalidInput(
            f"{field} is in the future (more than {int(skew.total_seconds())} s ahead of now)",
            code=EarningCode.DATE_IN_FUTURE,
            field=field,
            latest=latest.isoformat(),
        )
    return value


@cache
def max_minor(currency: str) -> int:
    """:data:`MAX_MONEY_UNITS` in the currency's minor units."""
    return int(MAX_MONEY_UNITS * 10 ** exponent(currency))


def require_amount(minor: int, currency: str, *, field: str) -> int:
    """``minor`` units of money if within :data:`MAX_MONEY_UNITS`."""
    if minor > max_minor(currency):
        raise InvalidInput(
            f"{field} must be at most {MAX_MONEY_UNITS} {currency}",
            code=EarningCode.AMOUNT_TOO_LARGE,
            field=field,
            maximum=str(MAX_MONEY_UNITS),
        )
    return minor


def require_quantity(value: int, *, field: str) -> int:
    if value <= 0:
        raise InvalidInput("quantity must be a positive whole number", field=field)
    if value > MAX_QUANTITY:
        raise InvalidInput(
            f"{field} must be at most {MAX_QUANTITY}",
            code=EarningCode.AMOUNT_TOO_LARGE,
            field=field,
            maximum=MAX_QUANTITY,
        )
    return value


def require_points_paid(value: int, *, field: str = "points_paid") -> int:
    if value < 0:
        raise InvalidInput(f"{field} cannot be negative", field=field)
    if value > MAX_POINTS:
        raise InvalidInput(
            f"{field} must be at most {MAX_POINTS}",
            code=EarningCode.AMOUNT_TOO_LARGE,
            field=field,
            maximum=MAX_POINTS,
        )
    return value


def require_row_id(value: str, *, field: str) -> int:
    """``value`` (text from outside) as a row id, or :class:`InvalidInput`."""
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ROW_ID:
        raise InvalidInput(f"{field} is not one this API returned", field=field)
    return int(value)


def require_instant(value: datetime, *, field: str) -> datetime:
    """``value`` if it names its offset and lies from 1970 up to the year 3000."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{field} needs a UTC offset, e.g. +08:00", field=field)
    if not INSTANT_EARLIEST <= value < INSTANT_LATEST:  # aware comparisons never overflow
        raise InvalidInput(
            f"{field} must lie from {INSTANT_EARLIEST.year} up to {INSTANT_LATEST.year}",
            code=RequestCode.OUT_OF_RANGE,
            field=field,
        )
    return value

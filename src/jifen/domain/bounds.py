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
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jifen.domain.error_codes import EarningCode
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

__all__ = [
    "DEFAULT_SKEW",
    "EARLIEST",
    "LATEST",
    "MAX_MONEY_UNITS",
    "MAX_POINTS",
    "MAX_QUANTITY",
    "max_minor",
    "require_amount",
    "require_moment",
    "require_points_paid",
    "require_quantity",
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

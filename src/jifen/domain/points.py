"""Points are whole numbers; this module is where that is enforced."""

from __future__ import annotations

from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import InvalidInput

#: The largest amount one operation may move: far above any real programme and
#: far below the 64-bit columns that store balances.
MAX_POINTS = 10**12


def require_points(value: object, *, field: str = "points", allow_zero: bool = False) -> int:
    """Return ``value`` as points, or raise :class:`InvalidInput`.

    Booleans and floats are refused even when integral: a float in a money
    path is a bug upstream, not something to round quietly.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number of points", field=field)
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(f"{field} must be a positive number of points", field=field)
    if value > MAX_POINTS:
        raise InvalidInput(
            f"{field} exceeds {MAX_POINTS}",
            code=LedgerCode.POINTS_TOO_LARGE,
            field=field,
            maximum=MAX_POINTS,
        )
    return value

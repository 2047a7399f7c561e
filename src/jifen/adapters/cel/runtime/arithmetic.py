"""CEL arithmetic (``+ - * / %``, unary ``-``) with int64 and uint64 overflow errors, and ``!``.

Arithmetic takes two ints, two uints or two doubles (for ``+`` also two
strings, two bytes or two lists), never a mix, and timestamps and durations
(:mod:`.timestamps`). Integer division truncates toward zero and ``%`` takes the
dividend's sign; both are errors for a zero divisor. Doubles follow IEEE 754:
``1.0 / 0.0`` is +inf, ``-1.0 / 0.0`` is -inf and ``0.0 / 0.0`` is NaN;
``%`` is not defined on doubles.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Final

from jifen.adapters.cel.runtime.errors import CelEvalError, overload
from jifen.adapters.cel.runtime.timestamps import add_time, sub_time
from jifen.adapters.cel.runtime.values import Uint

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
UINT64_MAX: Final = 2**64 - 1
_TIMES: Final = (datetime, timedelta)


def int64(value: int) -> int:
    """``value`` if it fits an int64, else the overflow error."""
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise CelEvalError("return error for overflow")


def uint64(value: int) -> Uint:
    """``value`` as a uint if it fits a uint64, else the overflow error."""
    if 0 <= value <= UINT64_MAX:
        return Uint(value)
    raise CelEvalError("return error for overflow")


def add(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return int64(a + b)
        if ta is float or ta is str or ta is list or ta is bytes:
            return a + b
        if ta is Uint:
            return uint64(a + b)
    if ta in _TIMES and type(b) in _TIMES:
        return add_time(a, b)
    raise overload("_+_", a, b)


def sub(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return int64(a - b)
        if ta is float:
            return a - b
        if ta is Uint:
            return uint64(a - b)
    if ta in _TIMES and type(b) in _TIMES:
        return sub_time(a, b)
    raise overload("_-_", a, b)


def mul(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return int64(a * b)
        if ta is float:
            return a * b
        if ta is Uint:
            return uint64(a * b)
    raise overload("_*_", a, b)


def _quotient(a: int, b: int) -> int:
    if b == 0:
        raise CelEvalError("division by zero")
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


def div(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return int64(_quotient(a, b))
        if ta is float:
            if b == 0.0:
                if a == 0.0 or math.isnan(a):
                    return math.nan
                return math.copysign(math.inf, a) * math.copysign(1.0, b)
            return a / b
        if ta is Uint:
            return uint64(_quotient(a, b))
    raise overload("_/_", a, b)


def mod(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b) and (ta is int or ta is Uint):
        if b == 0:
            raise CelEvalError("modulus by zero")
        rest = abs(a) % abs(b)
        return ta(-rest if a < 0 else rest)
    raise overload("_%_", a, b)


def neg(a: Any) -> Any:
    if type(a) is int:
        return int64(-a)
    if type(a) is float:
        return -a
    if type(a) is timedelta:
        return -a
    raise overload("-_", a)


def not_(a: Any) -> bool:
    if type(a) is bool:
        return not a
    raise overload("!_", a)

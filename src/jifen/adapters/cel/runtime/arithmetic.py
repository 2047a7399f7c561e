"""CEL arithmetic (``+ - * / %``, unary ``-``) with int64 overflow checks, and ``!``.

Arithmetic takes two ints, two doubles, or for ``+`` two strings or two
lists, never a mix (unlike cel-python, see :mod:`jifen.adapters.cel.compiler`).
"""

from __future__ import annotations

from typing import Any, Final

from jifen.adapters.cel.runtime.errors import CelEvalError, overload

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
_INF: Final = float("inf")

# Arithmetic: int64 with overflow errors, integer division truncating toward
# zero, ``%`` taking the sign of the dividend; doubles follow IEEE except
# that, as in cel-python, any double divided by zero is +inf. No mixing.


def int64(value: int) -> int:
    """``value`` if it fits an int64, else the overflow error."""
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise CelEvalError("return error for overflow")


def add(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return int64(a + b)
        if ta is float or ta is str or ta is list:
            return a + b
    raise overload("_+_", a, b)


def sub(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return int64(a - b)
        if ta is float:
            return a - b
    raise overload("_-_", a, b)


def mul(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return int64(a * b)
        if ta is float:
            return a * b
    raise overload("_*_", a, b)


def div(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0:
                raise CelEvalError("division by zero")
            quotient = abs(a) // abs(b)
            return int64(quotient if (a < 0) == (b < 0) else -quotient)
        if ta is float:
            return _INF if b == 0.0 else a / b
    raise overload("_/_", a, b)


def mod(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        if b == 0:
            raise CelEvalError("modulus by zero")
        rest = abs(a) % abs(b)
        return -rest if a < 0 else rest
    raise overload("_%_", a, b)


def neg(a: Any) -> Any:
    if type(a) is int:
        return int64(-a)
    if type(a) is float:
        return -a
    raise overload("-_", a)


def not_(a: Any) -> bool:
    if type(a) is bool:
        return not a
    raise overload("!_", a)

"""The type conversions ``int()``, ``uint()``, ``double()``, ``string()``, ``bytes()``, ``bool()``.

As the specification has them: ``int("1.5")`` and ``int(true)`` are errors
(a string must be a base-10 integer), a double out of range is an error,
``string(true) == "true"``, ``string(1.0) == "1"``, and ``string()`` of a
list, a map or null is an error. ``string()`` of a double gives the shortest
digits that read back the same value (the specification leaves the format
open).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from jifen.adapters.cel.runtime.arithmetic import INT64_MAX, INT64_MIN, UINT64_MAX, int64, uint64
from jifen.adapters.cel.runtime.errors import CelEvalError, overload
from jifen.adapters.cel.runtime.timestamps import (
    duration_string,
    epoch_seconds,
    timestamp_string,
)
from jifen.adapters.cel.runtime.values import Uint

_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
_DOUBLE: Final = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)", re.IGNORECASE
)


def _parse(pattern: re.Pattern[str], text: str, kind: str) -> str:
    if pattern.fullmatch(text) is None:
        raise CelEvalError(f"cannot convert {text!r} to {kind}")
    return text


def to_int(value: Any) -> int:
    tv = type(value)
    if tv is int:
        return value  # type: ignore[no-any-return]
    if tv is Uint:
        return int64(int(value))
    if tv is float:
        if not (INT64_MIN <= value < INT64_MAX) or math.isnan(value):
            raise CelEvalError("int() of a double out of the int64 range")
        return math.trunc(float(value))
    if tv is str:
        return int64(int(_parse(_INTEGER, value, "int")))
    if tv is datetime:
        return epoch_seconds(value)
    raise overload("int", value)


def to_uint(value: Any) -> Uint:
    tv = type(value)
    if tv is Uint:
        return value  # type: ignore[no-any-return]
    if tv is int:
        return uint64(value)
    if tv is float:
        if not (0 <= value <= UINT64_MAX) or math.isnan(value):
            raise CelEvalError("uint() of a double out of the uint64 range")
        return uint64(math.trunc(value))
    if tv is str:
        return uint64(int(_parse(_INTEGER, value, "uint")))
    raise overload("uint", value)


def to_double(value: Any) -> float:
    tv = type(value)
    if tv is float:
        return value  # type: ignore[no-any-return]
    if tv is int or tv is Uint:
        return float(value)
    if tv is str:
        return float(_parse(_DOUBLE, value, "double"))
    raise overload("double", value)


def to_string(value: Any) -> str:
    tv = type(value)
    if tv is str:
        return value  # type: ignore[no-any-return]
    spell = _SPELLINGS.get(tv)
    if spell is None:
        raise overload("string", value)
    return spell(value)


def _utf8(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise CelEvalError("string() of bytes that are not UTF-8") from None


def _double_string(value: float) -> str:
    """The shortest digits that read back the same: ``1``, ``1.5``, ``1e+21``, ``NaN``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    if text.endswith(".0"):
        text = text[:-2]
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-").rjust(2, "0")
        text = f"{mantissa.removesuffix('.0')}e{sign}{digits}"
    return text


_SPELLINGS: Final[dict[type, Callable[[Any], str]]] = {
    bool: lambda value: "true" if value else "false",
    int: str,
    Uint: lambda value: str(int(value)),
    float: _double_string,
    bytes: _utf8,
    datetime: timestamp_string,
    timedelta: duration_string,
}


def to_bytes(value: Any) -> bytes:
    if type(value) is bytes:
        return value
    if type(value) is str:
        return value.encode("utf-8")
    raise overload("bytes", value)


_BOOLS: Final = {
    **dict.fromkeys(("1", "t", "true", "TRUE", "True"), True),
    **dict.fromkeys(("0", "f", "false", "FALSE", "False"), False),
}


def to_bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    if type(value) is str and value in _BOOLS:
        return _BOOLS[value]
    raise overload("bool", value)

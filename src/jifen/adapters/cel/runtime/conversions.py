"""The type conversions ``int(x)``, ``double(x)`` and ``string(x)``.

As in cel-python: ``int(null) == 0``, ``double(null) == 0.0``,
``int(true) == 1``, ``string(true) == "True"``, ``string(null) == "None"``,
and ``int()``/``double()`` of a string parse as Python does. Unlike it (we
keep to the CEL specification), ``int()`` of an infinity is an ordinary
error and ``string()`` of a list or map is an error, not a Python repr.
"""

from __future__ import annotations

import math
from typing import Any

from jifen.adapters.cel.runtime.arithmetic import int64
from jifen.adapters.cel.runtime.errors import SCALARS, overload


def to_int(value: Any) -> int:
    tv = type(value)
    if tv is int:
        return value  # type: ignore[no-any-return]
    if tv is float:
        return int64(math.trunc(value))
    if tv is str:
        return int64(_parse_int(value))
    if value is None or tv is bool:
        return 1 if value else 0
    raise overload("int", value)


def _parse_int(text: str) -> int:
    """As cel-python: ``0x`` or ``-0x`` hexadecimal, else whatever Python's ``int()`` takes."""
    if text[:2] in ("0x", "0X"):
        return int(text[2:], 16)
    if text[:3] in ("-0x", "-0X"):
        return -int(text[3:], 16)
    return int(text)


def to_double(value: Any) -> float:
    tv = type(value)
    if tv is float:
        return value  # type: ignore[no-any-return]
    if value is None:
        return 0.0
    if tv is int or tv is bool or tv is str:
        return float(value)
    raise overload("double", value)


def to_string(value: Any) -> str:
    # cel-python's spellings: string(true) == "True", string(null) == "None".
    if type(value) in SCALARS:
        return str(value)
    raise overload("string", value)

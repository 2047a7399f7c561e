"""The functions on strings, bytes, lists and maps, and ``type()``, ``dyn()``, ``matches()``.

``matches`` has RE2's semantics (linear time, no backreferences), through the
``google-re2`` package, as the specification asks; an invalid pattern is an
evaluation error. ``contains``, ``startsWith`` and ``endsWith`` take strings.
"""

from __future__ import annotations

import functools
from typing import Any

import re2  # type: ignore[import-untyped]

from jifen.adapters.cel.runtime.errors import CelEvalError, checked, overload
from jifen.adapters.cel.runtime.values import NAMES, TYPES, CelType


def size(value: Any) -> int:
    tv = type(value)
    if tv is str or tv is list or tv is dict or tv is bytes:
        return len(value)
    raise overload("size", value)


def starts_with(text: Any, prefix: Any) -> bool:
    if type(text) is str and type(prefix) is str:
        return text.startswith(prefix)
    raise overload("startsWith", text, prefix)


def ends_with(text: Any, suffix: Any) -> bool:
    if type(text) is str and type(suffix) is str:
        return text.endswith(suffix)
    raise overload("endsWith", text, suffix)


def contains(text: Any, part: Any) -> bool:
    if type(text) is str and type(part) is str:
        return part in text
    raise overload("contains", text, part)


@functools.lru_cache(maxsize=512)
def pattern(regex: str) -> Any:
    """The compiled RE2 pattern; an invalid one is an evaluation error."""
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(regex, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise CelEvalError(f"invalid regular expression {regex!r}: {reason}") from None


def matches(text: Any, regex: Any) -> bool:
    """``text.matches(regex)``: RE2 finds ``regex`` anywhere in ``text`` (anchor it with ^...$)."""
    if type(text) is str and type(regex) is str:
        return pattern(regex).search(text) is not None
    raise overload("matches", text, regex)


def type_of(value: Any) -> CelType:
    """``type(x)``: the type of a CEL value (``type(1) == int``)."""
    name = NAMES.get(type(value))
    if name is None:
        raise overload("type", value)
    return TYPES[name]


def has_field(value: Any) -> bool:
    """``has(a.f)`` where ``a`` is not a map: an error (the map case is inline)."""
    checked(value)
    raise overload("has", value)


def dyn(value: Any) -> Any:
    """``dyn(x)`` is ``x``: it only tells a type checker not to check ``x``."""
    return value

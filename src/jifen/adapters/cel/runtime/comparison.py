"""CEL equality (``==``, ``!=``) and ordering (``<``, ``<=``, ``>``, ``>=``).

Also :func:`key_in` and :func:`map_get`, the map-key lookups that indexing,
map literals, ``in`` and ``contains`` share.

Equality is heterogeneous, as the specification has it: values of the same
type compare by value, an int, uint and double compare as numbers on one line
(``1 == 1.0``, ``dyn(1) == 1u``), and values of any other two types are
unequal, never an error. NaN equals nothing, itself included. Lists and maps
compare element by element. A bool is never a number.

Ordering takes two values of one orderable type (bool, string, bytes,
timestamp, duration) or two numbers of any of the three numeric types
(``2 > 1.5``); anything else is an error. Every ordering with NaN is false.
An int or uint beside a double is compared as a double, as cel-go does (the
conformance cases pin ``dyn(9223372036854775807) < 9223372036854775808.0``
to false); an int beside a uint compares exactly.
"""

from __future__ import annotations

from typing import Any, Final

from jifen.adapters.cel.runtime.errors import CelEvalError, overload
from jifen.adapters.cel.runtime.values import NUMBERS, SCALARS, CelType, Uint, type_name

_KEY_TYPES: Final = frozenset({str, int, Uint, bool})
_ORDERED: Final = SCALARS - {type(None)}


def eq(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta in SCALARS or ta is CelType:
            return bool(a == b)
        if ta is list:
            return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))
        if ta is dict:
            return _map_eq(a, b)
        raise overload("_==_", a, b)
    if ta in NUMBERS and tb in NUMBERS:
        a, b = _as_doubles(a, b)
        return bool(a == b)
    if ta in _VALUES and tb in _VALUES:
        return False
    raise overload("_==_", a, b)


_VALUES: Final = SCALARS | {list, dict, CelType}


def ne(a: Any, b: Any) -> bool:
    try:
        return not eq(a, b)
    except CelEvalError as exc:
        raise overload("_!=_", a, b) from exc


def _map_eq(a: dict[Any, Any], b: dict[Any, Any]) -> bool:
    if len(a) != len(b):
        return False
    for key, value in a.items():
        stored = _find_key(b, key)
        if stored is _ABSENT or not eq(value, b[stored]):
            return False
    return True


_ABSENT: Final[Any] = object()


def _find_key(m: dict[Any, Any], key: Any) -> Any:
    """The key of ``m`` equal to ``key`` under CEL's equality, or ``_ABSENT``.

    A string key is looked up directly. Python's dict already finds ``1`` for
    ``1u`` or ``1.0`` (equal numbers hash alike); only a bool must not find a
    number, nor a number a bool.
    """
    tk = type(key)
    if tk is str:
        return key if key in m else _ABSENT
    if tk not in _KEY_TYPES and tk is not float:
        raise CelEvalError(f"unsupported key type: {type_name(key)}")
    is_bool = tk is bool
    for stored in m:
        ts = type(stored)
        if ts is not str and (ts is bool) is is_bool and stored == key:
            return stored
    return _ABSENT


def key_in(m: dict[Any, Any], key: Any) -> bool:
    """``key in m`` with CEL equality: ``1u in {1: 0}`` is true, ``true in {1: 0}`` false."""
    return _find_key(m, key) is not _ABSENT


def map_get(m: dict[Any, Any], key: Any) -> Any:
    """``m[key]``; a key ``m`` does not hold is an error."""
    if type(key) is str:
        return m[key]  # a KeyError is the "no such key" error
    stored = _find_key(m, key)
    if stored is _ABSENT:
        raise CelEvalError(f"no such key: {key!r}")
    return m[stored]


def _as_doubles(a: Any, b: Any) -> tuple[Any, Any]:
    """An int or uint beside a double compares as a double (``2**63 - 1 == 2.0**63``)."""
    if type(a) is float:
        return a, float(b)
    if type(b) is float:
        return float(a), b
    return a, b  # an int and a uint compare exactly


def _orderable(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta in _ORDERED:
            return a, b
    elif ta in NUMBERS and tb in NUMBERS:
        return _as_doubles(a, b)
    raise overload(op, a, b)


def lt(a: Any, b: Any) -> bool:
    a, b = _orderable("_<_", a, b)
    return bool(a < b)


def le(a: Any, b: Any) -> bool:
    a, b = _orderable("_<=_", a, b)
    return bool(a <= b)


def gt(a: Any, b: Any) -> bool:
    a, b = _orderable("_>_", a, b)
    return bool(a > b)


def ge(a: Any, b: Any) -> bool:
    a, b = _orderable("_>=_", a, b)
    return bool(a >= b)

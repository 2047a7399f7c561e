"""CEL equality (``==``, ``!=``) and ordering (``<``, ``<=``, ``>``, ``>=``).

Also :func:`key_in`, the map-key lookup with CEL equality that map indexing,
map literals, ``in`` and ``contains`` share. Every rule follows cel-python
0.5's ``celtypes``, including where it departs from the CEL specification
(see the section comments below and :mod:`jifen.adapters.cel.compiler`).
"""

from __future__ import annotations

from typing import Any, Final

from jifen.adapters.cel.runtime.errors import (
    CATCH,
    SCALARS,
    CelEvalError,
    as_error,
    checked,
    overload,
    type_name,
)

_KEY_TYPES: Final = frozenset({str, int, bool})

# Equality. cel-python's ``==`` is Python's ``==`` on its celtypes: same types
# compare; null equals only null but is unequal (not an error) to a string,
# bool, list or map; a string is unequal to a bool; anything else is an error.
# A list or map compares element-wise with && (error-absorbing) semantics.


def eq(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is type(b):
        if ta in SCALARS:
            return bool(a == b)
        if ta is list:
            return _list_eq(a, b)
        if ta is dict:
            return _map_eq(a, b)
    elif a is None or b is None:
        if (b if a is None else a).__class__ in (str, bool, list, dict):
            return False
    elif {ta, type(b)} == {str, bool}:
        return False
    raise overload("_==_", a, b)


def ne(a: Any, b: Any) -> bool:
    # Unlike ``==``, cel-python's list and map ``!=`` raise when the other side is null.
    ta = type(a)
    if ta is type(b):
        if ta in SCALARS:
            return bool(a != b)
        if ta is list:
            return _list_ne(a, b)
        if ta is dict:
            return _map_ne(a, b)
    elif a is None or b is None:
        if (b if a is None else a).__class__ in (str, bool):
            return True
    elif {ta, type(b)} == {str, bool}:
        return True
    raise overload("_!=_", a, b)


def _fold_and(acc: Any, item: Any) -> Any:
    """cel-python's ``logical_and`` where two non-bools raise (ends a list/map ``==``)."""
    if acc is True:
        return item
    if acc is False or item is False:
        return False
    if item is True:
        return acc
    raise acc


def _fold_or(acc: Any, item: Any) -> Any:
    if acc is False:
        return item
    if acc is True or item is True:
        return True
    if item is False:
        return acc
    raise acc


def _element(test: Any, a: Any, b: Any) -> Any:
    try:
        return test(a, b)
    except CATCH as exc:
        return as_error(exc)


def _list_eq(a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return False
    acc: Any = True
    for x, y in zip(a, b, strict=True):
        acc = _fold_and(acc, _element(eq, x, y))
        if acc is False:
            return False
    return bool(checked(acc))


def _list_ne(a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return True
    acc: Any = False
    for x, y in zip(a, b, strict=True):
        acc = _fold_or(acc, _element(ne, x, y))
        if acc is True:
            return True
    return bool(checked(acc))


def key_in(m: dict[Any, Any], key: Any) -> bool:
    """``key in m`` as in cel-python: Python's dict lookup with CEL equality.

    Keys of equal hash are compared in insertion order (the dict's probe order),
    stored key first, and a comparison across types is an error unless one side
    is a string, bool or null: so ``"" in {0: 1}`` is an error (``hash("") == 0``).
    A non-empty string is taken not to share its hash with a number.
    """
    if type(key) is str and key:
        return key in m
    digest = hash(key)
    return any(stored is key or (hash(stored) == digest and eq(stored, key)) for stored in m)


def _same_keys(a: dict[Any, Any], b: dict[Any, Any]) -> bool:
    if len(a) != len(b):
        return False
    if not all(key_in(b, k) for k in a):
        return False
    for k in a:
        if type(k) not in _KEY_TYPES:
            raise CelEvalError(f"unsupported key type: {type_name(k)}")
    return True


def _map_eq(a: dict[Any, Any], b: dict[Any, Any]) -> bool:
    if not _same_keys(a, b):
        return False
    acc: Any = True
    for k, value in a.items():
        acc = _fold_and(acc, _element(eq, value, b[k]))
        if acc is False:
            return False
    return bool(checked(acc))


def _map_ne(a: dict[Any, Any], b: dict[Any, Any]) -> bool:
    if not _same_keys(a, b):
        return True
    acc: Any = False
    for k, value in a.items():
        acc = _fold_or(acc, _element(ne, value, b[k]))
        if acc is True:
            return True
    return bool(checked(acc))


# Ordering: same scalar types (bool, int, double, string), and also a double
# on the left of an int (cel-python's DoubleType inherits float's ordering,
# while its IntType refuses a double): ``1.5 < 2`` is true, ``2 > 1.5`` an error.


def _orderable(op: str, a: Any, b: Any) -> None:
    ta = type(a)
    if ta is type(b):
        if ta is not list and ta is not dict and a is not None:
            return
    elif ta is float and type(b) is int:
        return
    raise overload(op, a, b)


def lt(a: Any, b: Any) -> bool:
    _orderable("_<_", a, b)
    return bool(a < b)


def le(a: Any, b: Any) -> bool:
    _orderable("_<=_", a, b)
    return bool(a <= b)


def gt(a: Any, b: Any) -> bool:
    _orderable("_>_", a, b)
    return bool(a > b)


def ge(a: Any, b: Any) -> bool:
    _orderable("_>=_", a, b)
    return bool(a >= b)

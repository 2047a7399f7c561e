"""Lists and maps as containers: ``in``, indexing, map literals, macro ranges.

A list is indexed from 0 by an int, a uint or a whole double (``l[1.0]``; a
negative index is out of range); a map by any key CEL equality finds
(:func:`~jifen.adapters.cel.runtime.comparison.map_get`). A string is not a
container: ``"b" in "abc"`` and ``"abc"[0]`` are errors, as the
specification has them.
"""

from __future__ import annotations

from typing import Any

from jifen.adapters.cel.runtime.comparison import eq, key_in, map_get
from jifen.adapters.cel.runtime.errors import CelEvalError, overload
from jifen.adapters.cel.runtime.values import Uint, type_name


def in_(item: Any, container: Any) -> bool:
    """``item in container``: an element of a list, or a key of a map."""
    tc = type(container)
    if tc is list:
        return any(eq(element, item) for element in container)
    if tc is dict:
        return key_in(container, item)
    raise overload("@in", item, container)


def index(container: Any, key: Any) -> Any:
    tc = type(container)
    if tc is dict:
        return map_get(container, key)
    if tc is list:
        tk = type(key)
        if tk is float and key.is_integer():
            key = int(key)
        elif tk is not int and tk is not Uint:
            raise overload("_[_]", container, key)
        if 0 <= key < len(container):
            return container[key]
        raise CelEvalError(f"index out of range: {key}")
    raise overload("_[_]", container, key)


def make_map(*items: Any) -> dict[Any, Any]:
    """A map literal from alternating keys and values; a repeated key is an error."""
    result: dict[Any, Any] = {}
    for i in range(0, len(items), 2):
        key = items[i]
        if type(key) not in (str, int, Uint, bool):
            raise CelEvalError(f"unsupported key type: {type_name(key)}")
        if key in result:  # also 1 beside true: a Python dict cannot hold both
            raise CelEvalError(f"duplicate map key: {key!r}")
        result[key] = items[i + 1]
    return result


def iterable(target: Any) -> Any:
    """What a macro ranges over: a list's elements or a map's keys."""
    tt = type(target)
    if tt is list or tt is dict:
        return target
    raise CelEvalError(f"cannot range over {type_name(target)}")

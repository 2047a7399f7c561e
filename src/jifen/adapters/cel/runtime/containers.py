"""Lists and maps as containers: ``in``, indexing, map literals, macro ranges.

As in cel-python, a string is also a container of its characters for ``in``,
indexing (``"abc"[0] == "a"``, and a negative index counts from the end) and
the macros.
"""

from __future__ import annotations

from typing import Any

from jifen.adapters.cel.runtime.comparison import eq, key_in
from jifen.adapters.cel.runtime.errors import CelEvalError, overload, type_name


def in_(item: Any, container: Any) -> bool:
    """``item in container``: list elements, map keys or, as in cel-python, string characters.

    True at the first element equal to ``item``; otherwise an error if some
    comparison was one, else false.
    """
    tc = type(container)
    if tc is not list and tc is not dict and tc is not str:
        raise overload("@in", item, container)
    failed: CelEvalError | None = None
    for element in container:
        try:
            if eq(element, item):
                return True
        except CelEvalError as exc:
            failed = exc
    if failed is not None:
        raise failed
    return False


def index(container: Any, key: Any) -> Any:
    tc = type(container)
    if tc is dict:
        return map_get(container, key)
    if (tc is list or tc is str) and type(key) is int:
        return container[key]  # a negative index counts from the end, as in cel-python
    raise overload("_[_]", container, key)


def map_get(m: dict[Any, Any], key: Any) -> Any:
    tk = type(key)
    if tk is str and key:
        return m[key]
    if tk is not str and tk is not int and tk is not bool:
        raise CelEvalError(f"unsupported key type: {type_name(key)}")
    if not key_in(m, key):
        raise CelEvalError(f"no such key: {key!r}")
    return m[key]


def make_map(*items: Any) -> dict[Any, Any]:
    """A map literal from alternating keys and values; a repeated key is an error."""
    result: dict[Any, Any] = {}
    for i in range(0, len(items), 2):
        key = items[i]
        if key_in(result, key):
            raise CelEvalError(f"duplicate map key: {key!r}")
        result[key] = items[i + 1]
    return result


def iterable(target: Any) -> Any:
    """What a macro ranges over: list elements, map keys, or (cel-python) string characters."""
    tt = type(target)
    if tt is list or tt is dict or tt is str:
        return target
    raise CelEvalError(f"cannot range over {type_name(target)}")

"""The string, list and map functions: ``size``, ``startsWith``, ``endsWith``, ``contains``.

As in cel-python, ``size(null) == 0``, and ``l.contains(x)``/``m.contains(k)``
are Python's ``in`` (the first failed comparison is an error), unlike
``x in l`` (:func:`jifen.adapters.cel.runtime.containers.in_`).
"""

from __future__ import annotations

from typing import Any

from jifen.adapters.cel.runtime.comparison import eq, key_in
from jifen.adapters.cel.runtime.errors import overload


def size(value: Any) -> int:
    tv = type(value)
    if tv is str or tv is list or tv is dict:
        return len(value)
    if value is None:
        return 0  # cel-python: size(null) == 0
    raise overload("size", value)


def starts_with(text: Any, prefix: Any) -> bool:
    if type(text) is str and type(prefix) is str:
        return text.startswith(prefix)
    raise overload("startsWith", text, prefix)


def ends_with(text: Any, suffix: Any) -> bool:
    if type(text) is str and type(suffix) is str:
        return text.endswith(suffix)
    raise overload("endsWith", text, suffix)


def contains(container: Any, item: Any) -> bool:
    """``x.contains(y)``: a substring; on a list or map, cel-python's Python ``in``."""
    tc = type(container)
    if tc is str:
        if type(item) is str:
            return item in container
    elif tc is list:
        return any(element is item or eq(element, item) for element in container)
    elif tc is dict:
        return key_in(container, item)
    raise overload("contains", container, item)

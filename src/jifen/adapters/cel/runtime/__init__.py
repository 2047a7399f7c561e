"""Run-time support for compiled CEL: the operators the generated code calls.

Values are plain Python: ``bool``, ``int``, ``float`` (CEL double), ``str``,
``None`` (null), ``list`` and ``dict``; exact types are tested, so a bool is
never an int. Errors are raised as :class:`CelEvalError` (or as the natural
``KeyError``/``IndexError``/... of a failed lookup, which the generated code
catches alongside it); ``&&``, ``||`` and the folding macros hold an error as
a value, a :class:`CelEvalError` instance, until it is absorbed or raised.

Every rule here follows cel-python 0.5 (its ``celtypes`` classes), including
where it departs from the CEL specification; the module docstring of
:mod:`jifen.adapters.cel.compiler` lists those places, and those where we
keep to the specification instead.

This package's ``HELPERS`` is the namespace the generated code runs in; the
helpers themselves live in:

- :mod:`.errors`: ``CelEvalError``, ``CATCH``, ``Missing``, ``as_error``,
  ``overload`` (the "no such overload" error), ``checked``;
- :mod:`.comparison`: ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, and map-key lookup;
- :mod:`.containers`: ``in``, indexing, map literals, what a macro ranges over;
- :mod:`.arithmetic`: ``+ - * / %``, unary ``-`` and ``!``; the int64 bounds;
- :mod:`.conversions`: ``int()``, ``double()``, ``string()``;
- :mod:`.functions`: ``size()``, ``startsWith()``, ``endsWith()``, ``contains()``.
"""

from __future__ import annotations

from typing import Final

from jifen.adapters.cel.runtime.arithmetic import (
    INT64_MAX,
    INT64_MIN,
    add,
    div,
    mod,
    mul,
    neg,
    not_,
    sub,
)
from jifen.adapters.cel.runtime.comparison import eq, ge, gt, le, lt, ne
from jifen.adapters.cel.runtime.containers import in_, index, iterable, make_map
from jifen.adapters.cel.runtime.conversions import to_double, to_int, to_string
from jifen.adapters.cel.runtime.errors import (
    CATCH,
    CelEvalError,
    Missing,
    as_error,
    checked,
    overload,
)
from jifen.adapters.cel.runtime.functions import contains, ends_with, size, starts_with

__all__ = ["CATCH", "HELPERS", "INT64_MAX", "INT64_MIN", "CelEvalError", "Missing", "as_error"]

HELPERS: Final[dict[str, object]] = {
    "_CATCH": CATCH,
    "CelEvalError": CelEvalError,
    "_Missing": Missing,
    "_as_error": as_error,
    "_checked": checked,
    "_overload": overload,
    "_eq": eq,
    "_ne": ne,
    "_lt": lt,
    "_le": le,
    "_gt": gt,
    "_ge": ge,
    "_in": in_,
    "_index": index,
    "_make_map": make_map,
    "_iterable": iterable,
    "_add": add,
    "_sub": sub,
    "_mul": mul,
    "_div": div,
    "_mod": mod,
    "_neg": neg,
    "_not": not_,
    "_size": size,
    "_int": to_int,
    "_double": to_double,
    "_string": to_string,
    "_starts_with": starts_with,
    "_ends_with": ends_with,
    "_contains": contains,
    "type": type,
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "list": list,
    "dict": dict,
    "KeyError": KeyError,
}
"""The names generated code may use besides its own temporaries and constants."""

"""Run-time support for compiled CEL: the operators and functions the generated code calls.

Values are plain Python (:mod:`.values`): ``bool``, ``int``, :class:`Uint`,
``float`` (CEL double), ``str``, ``bytes``, ``None`` (null), ``list``,
``dict``, ``datetime`` and ``timedelta`` (timestamp and duration) and
:class:`CelType`; exact types are tested, so a bool is never an int. Errors
are raised as :class:`CelEvalError` (or as the natural ``KeyError``/
``IndexError``/... of a failed lookup, which the generated code catches
alongside it); ``&&``, ``||`` and the folding macros hold an error as a
value, a :class:`CelEvalError` instance, until it is absorbed or raised.

Every rule follows the CEL specification; the module docstring of
:mod:`jifen.adapters.cel.compiler` lists the few places where we depart.

This package's ``HELPERS`` is the namespace the generated code runs in; the
helpers themselves live in:

- :mod:`.values`: the value types and their CEL names;
- :mod:`.errors`: ``CelEvalError``, ``CATCH``, ``Missing``, ``as_error``,
  ``overload`` (the "no such overload" error), ``checked``;
- :mod:`.comparison`: ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, and map-key lookup;
- :mod:`.containers`: ``in``, indexing, map literals, what a macro ranges over;
- :mod:`.arithmetic`: ``+ - * / %``, unary ``-`` and ``!``; the int64 and uint64 bounds;
- :mod:`.conversions`: ``int()``, ``uint()``, ``double()``, ``string()``, ``bytes()``, ``bool()``;
- :mod:`.timestamps`: ``timestamp()``, ``duration()``, their arithmetic and accessors;
- :mod:`.functions`: ``size()``, ``startsWith()``, ``endsWith()``, ``contains()``,
  ``matches()``, ``type()``, ``dyn()``.
"""

from __future__ import annotations

from typing import Any, Final

from jifen.adapters.cel.runtime.arithmetic import (
    INT64_MAX,
    INT64_MIN,
    UINT64_MAX,
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
from jifen.adapters.cel.runtime.conversions import (
    to_bool,
    to_bytes,
    to_double,
    to_int,
    to_string,
    to_uint,
)
from jifen.adapters.cel.runtime.errors import (
    CATCH,
    CelEvalError,
    Missing,
    as_error,
    checked,
    overload,
)
from jifen.adapters.cel.runtime.functions import (
    contains,
    dyn,
    ends_with,
    has_field,
    matches,
    size,
    starts_with,
    type_of,
)
from jifen.adapters.cel.runtime.timestamps import ACCESSORS, duration, timestamp, zone
from jifen.adapters.cel.runtime.values import TYPES, CelType, Uint

__all__ = [
    "ACCESSORS",
    "CATCH",
    "HELPERS",
    "INT64_MAX",
    "INT64_MIN",
    "TYPES",
    "UINT64_MAX",
    "CelEvalError",
    "CelType",
    "Missing",
    "Uint",
    "as_error",
    "zone",
]


def nonbool(op: str, value: Any) -> CelEvalError:
    """The error value for an operand of ``&&``, ``||`` or a macro that is not a bool."""
    if type(value) is CelEvalError:
        return value
    if type(value) is Missing:
        return value.error()
    return overload(op, value)


HELPERS: Final[dict[str, object]] = {
    "_CATCH": CATCH,
    "CelEvalError": CelEvalError,
    "_Missing": Missing,
    "_Uint": Uint,
    "_as_error": as_error,
    "_checked": checked,
    "_overload": overload,
    "_nonbool": nonbool,
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
    "_uint": to_uint,
    "_double": to_double,
    "_string": to_string,
    "_bytes": to_bytes,
    "_bool": to_bool,
    "_type": type_of,
    "_dyn": dyn,
    "_has": has_field,
    "_timestamp": timestamp,
    "_duration": duration,
    "_starts_with": starts_with,
    "_ends_with": ends_with,
    "_contains": contains,
    "_matches": matches,
    **{f"_{name}": accessor for name, accessor in ACCESSORS.items()},
    "type": type,
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "bytes": bytes,
    "list": list,
    "dict": dict,
    "KeyError": KeyError,
}
"""The names generated code may use besides its own temporaries and constants."""

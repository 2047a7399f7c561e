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
"""

from __future__ import annotations

import math
from typing import Any, Final, NoReturn

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
_INF: Final = float("inf")
_NAMES: Final[dict[type, str]] = {
    bool: "bool",
    int: "int",
    float: "double",
    str: "string",
    type(None): "null_type",
    list: "list",
    dict: "map",
}
_SCALARS: Final = frozenset({bool, int, float, str, type(None)})
_KEY_TYPES: Final = frozenset({str, int, bool})


class CelEvalError(Exception):
    """A CEL evaluation error: missing field or key, no such overload, overflow, ..."""


CATCH: Final = (
    CelEvalError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    ZeroDivisionError,
    OverflowError,
    AttributeError,
    RecursionError,
)
"""What the generated code treats as a CEL error."""


class Missing:
    """Stands for a variable absent from the activation; any use of it is an error."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __getitem__(self, key: object) -> NoReturn:
        raise self.error()

    def error(self) -> CelEvalError:
        return CelEvalError(f"undeclared reference to '{self.name}'")


_MESSAGES: Final = (
    (IndexError, "index out of range"),
    (ZeroDivisionError, "division by zero"),
    (TypeError | AttributeError, "no such overload"),
    (ValueError | OverflowError, "invalid value"),
)


def as_error(exc: BaseException) -> CelEvalError:
    """A fresh error value (no traceback, so no reference cycle) for ``exc``."""
    if isinstance(exc, CelEvalError):
        return CelEvalError(*exc.args)
    if isinstance(exc, KeyError) and exc.args:
        return CelEvalError(f"no such key: {exc.args[0]!r}")
    for kind, message in _MESSAGES:
        if isinstance(exc, kind):
            return CelEvalError(f"{message}: {exc}")
    return CelEvalError(f"{type(exc).__name__}: {exc}")


def type_name(value: object) -> str:
    return _NAMES.get(type(value), type(value).__name__)


def overload(op: str, *args: object) -> CelEvalError:
    return CelEvalError(f"no such overload: {op}({', '.join(type_name(a) for a in args)})")


def checked(value: Any) -> Any:
    """``value`` unless it is a :class:`Missing` variable or an error value."""
    if type(value) is Missing:
        raise value.error()
    if type(value) is CelEvalError:
        raise value
    return value


# Equality. cel-python's ``==`` is Python's ``==`` on its celtypes: same types
# compare; null equals only null but is unequal (not an error) to a string,
# bool, list or map; a string is unequal to a bool; anything else is an error.
# A list or map compares element-wise with && (error-absorbing) semantics.


def eq(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is type(b):
        if ta in _SCALARS:
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
        if ta in _SCALARS:
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


def _key_in(m: dict[Any, Any], key: Any) -> bool:
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
    if not all(_key_in(b, k) for k in a):
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
    if not _key_in(m, key):
        raise CelEvalError(f"no such key: {key!r}")
    return m[key]


def make_map(*items: Any) -> dict[Any, Any]:
    """A map literal from alternating keys and values; a repeated key is an error."""
    result: dict[Any, Any] = {}
    for i in range(0, len(items), 2):
        key = items[i]
        if _key_in(result, key):
            raise CelEvalError(f"duplicate map key: {key!r}")
        result[key] = items[i + 1]
    return result


def iterable(target: Any) -> Any:
    """What a macro ranges over: list elements, map keys, or (cel-python) string characters."""
    tt = type(target)
    if tt is list or tt is dict or tt is str:
        return target
    raise CelEvalError(f"cannot range over {type_name(target)}")


# Arithmetic: int64 with overflow errors, integer division truncating toward
# zero, ``%`` taking the sign of the dividend; doubles follow IEEE except
# that, as in cel-python, any double divided by zero is +inf. No mixing.


def _int64(value: int) -> int:
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise CelEvalError("return error for overflow")


def add(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _int64(a + b)
        if ta is float or ta is str or ta is list:
            return a + b
    raise overload("_+_", a, b)


def sub(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _int64(a - b)
        if ta is float:
            return a - b
    raise overload("_-_", a, b)


def mul(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _int64(a * b)
        if ta is float:
            return a * b
    raise overload("_*_", a, b)


def div(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0:
                raise CelEvalError("division by zero")
            quotient = abs(a) // abs(b)
            return _int64(quotient if (a < 0) == (b < 0) else -quotient)
        if ta is float:
            return _INF if b == 0.0 else a / b
    raise overload("_/_", a, b)


def mod(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        if b == 0:
            raise CelEvalError("modulus by zero")
        rest = abs(a) % abs(b)
        return -rest if a < 0 else rest
    raise overload("_%_", a, b)


def neg(a: Any) -> Any:
    if type(a) is int:
        return _int64(-a)
    if type(a) is float:
        return -a
    raise overload("-_", a)


def not_(a: Any) -> bool:
    if type(a) is bool:
        return not a
    raise overload("!_", a)


# Functions and methods.


def size(value: Any) -> int:
    tv = type(value)
    if tv is str or tv is list or tv is dict:
        return len(value)
    if value is None:
        return 0  # cel-python: size(null) == 0
    raise overload("size", value)


def to_int(value: Any) -> int:
    tv = type(value)
    if tv is int:
        return value  # type: ignore[no-any-return]
    if tv is float:
        return _int64(math.trunc(value))
    if tv is str:
        return _int64(_parse_int(value))
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
    if type(value) in _SCALARS:
        return str(value)
    raise overload("string", value)


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
        return _key_in(container, item)
    raise overload("contains", container, item)

"""CEL evaluation errors, and the type names they report.

:class:`CelEvalError` is the error a compiled condition raises; ``CATCH``
lists what the generated code treats as one (a failed lookup may raise the
natural ``KeyError``/``IndexError``/... instead); :func:`as_error` turns any
of them into an error value. :class:`Missing` stands for a variable absent
from the activation, and :func:`overload` builds the "no such overload"
error every operator reports for operand types it does not take.
"""

from __future__ import annotations

from typing import Any, Final, NoReturn

from jifen.adapters.cel.runtime.values import type_name


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


def overload(op: str, *args: object) -> CelEvalError:
    return CelEvalError(f"no such overload: {op}({', '.join(type_name(a) for a in args)})")


def checked(value: Any) -> Any:
    """``value`` unless it is a :class:`Missing` variable or an error value."""
    if type(value) is Missing:
        raise value.error()
    if type(value) is CelEvalError:
        raise value
    return value

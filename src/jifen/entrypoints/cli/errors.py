"""Errors become one readable line on stderr and a meaningful exit code."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from jifen.domain import errors

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CODES: tuple[tuple[type[errors.JifenError], int], ...] = (
    (errors.InvalidInput, 2),
    (errors.NotFound, 3),
    (errors.Conflict, 4),
    (errors.RuleViolation, 5),
    (errors.Unauthenticated, 6),
    (errors.PermissionDenied, 6),
)


def exit_code(exc: errors.JifenError) -> int:
    return next((code for cls, code in EXIT_CODES if isinstance(exc, cls)), 1)


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command; turn a JifenError into ``error: <code>: <detail>`` and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except errors.JifenError as exc:
            print(f"error: {exc.code}: {exc.detail}", file=sys.stderr)
            raise SystemExit(exit_code(exc)) from None

    return wrapper

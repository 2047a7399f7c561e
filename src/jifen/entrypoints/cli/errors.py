"""Errors become one readable line on stderr and a meaningful exit code."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from jifen.domain import errors
from jifen.domain.error_codes import Family

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CODES: dict[Family, int] = {
    Family.INVALID_REQUEST: 2,
    Family.INVALID_INPUT: 2,
    Family.NOT_FOUND: 3,
    Family.CONFLICT: 4,
    Family.RULE_VIOLATION: 5,
    Family.UNAUTHENTICATED: 6,
    Family.PERMISSION_DENIED: 6,
    Family.LEDGER_INCONSISTENT: 7,
    Family.UNAVAILABLE: 8,  # the database is down: the same command may be run again
}


def exit_code(exc: errors.JifenError | errors.Unavailable) -> int:
    return EXIT_CODES[exc.family]


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command; turn a JifenError into ``error: <code>: <detail>`` (one line per line
    of the detail) and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (errors.JifenError, errors.Unavailable) as exc:
            for line in exc.detail.splitlines() or [""]:  # several errors: a line each
                print(f"error: {exc.code}: {line}", file=sys.stderr)
            raise SystemExit(exit_code(exc)) from None

    return wrapper

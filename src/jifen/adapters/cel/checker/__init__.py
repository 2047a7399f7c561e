"""Type-checking rule conditions against the declared variables, before they run.

cel-expr-python (cel-cpp's checker) checks; jifen's compiled Python still
evaluates (ADR 0020). :func:`check_condition` returns the problems of one
condition in a :class:`~jifen.domain.earning.variables.Scope`, each at its line
and column in the condition, with what to write instead; none when it is a well
typed bool. Syntax errors are left to jifen's compiler, which reports them as
it always has.

cel-expr-python is wheel-only. Where it cannot be imported, :data:`AVAILABLE` is
false and checking returns no problems after one loud warning: validation and
publishing still parse and compile every condition, only types go unchecked.
"""

from __future__ import annotations

import warnings

from jifen.adapters.cel.checker.problems import Problem
from jifen.domain.earning.variables import Scope

try:
    from jifen.adapters.cel.checker.declarations import environment
    from jifen.adapters.cel.checker.problems import is_syntax_error, not_bool, problems

    AVAILABLE = True
except ImportError:  # pragma: no cover - the wheel is installed wherever jifen's tests run
    AVAILABLE = False

__all__ = ["AVAILABLE", "Problem", "check_condition"]

_warned = False


def check_condition(text: str, scope: Scope) -> list[Problem]:
    """The type errors of ``text`` read in ``scope``; [] when it is a well-typed bool."""
    if not AVAILABLE:
        _warn_once()
        return []
    env = environment(scope)
    try:
        checked = env.env.compile(text)
    except RuntimeError as exc:
        error = str(exc)
        if is_syntax_error(error):
            return []
        return problems(error, text, env.messages)
    except (TypeError, ValueError):  # text the binding cannot take (a lone surrogate)
        return []  # jifen's compiler judges it
    kind = checked.return_type().name().lower()
    if kind not in ("bool", "dyn"):
        message, hint = not_bool(kind)
        return [Problem(1, 1, message, hint)]
    return []


def _warn_once() -> None:
    global _warned  # noqa: PLW0603 - one warning per process
    if not _warned:
        _warned = True
        warnings.warn(
            "cel-expr-python is not installed: conditions are NOT type-checked "
            "(they are still parsed and compiled); install jifen's dependencies",
            RuntimeWarning,
            stacklevel=3,
        )

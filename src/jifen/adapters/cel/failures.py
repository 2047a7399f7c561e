"""Conditions that tell false from failed, and failures in words an operator reads.

>>> cond = compile_checked("member.attributes.level > 3")
>>> cond({"member": {"attributes": {"level": 5}}})
True
>>> cond({"member": {"attributes": {"level": "5"}}}).explanation
'> does not accept these types: string, int'

A compiled condition alone says False on any error; :class:`CheckedCondition`
answers True, False or a :class:`~jifen.domain.earning.ConditionError` with a
stable ``problem`` code and its ``params``, so that the engine explains the rule
as ``condition_error`` and the rule's errors are counted. It evaluates once,
through :meth:`CompiledCondition.evaluate`: an error costs an exception, which
is rare; a condition that holds or not costs one more call than before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any, Final

from jifen.adapters.cel.compiler import CompiledCondition, compile_condition
from jifen.domain.earning import PROBLEMS, ConditionError

__all__ = ["CheckedCondition", "compile_checked", "failure"]

_PATTERNS: Final = (
    (re.compile(r"no such overload: (?P<op>.+?)\((?P<types>[^()]*)\)$"), "wrong_types"),
    (re.compile(r"no such key: (?P<field>.+)$"), "missing_field"),
    (re.compile(r"undeclared reference to (?P<field>.+)$"), "missing_field"),
    (re.compile(r"(division|modulus) by zero"), "division_by_zero"),
    (re.compile(r"index out of range"), "index_out_of_range"),
    (re.compile(r"invalid value"), "invalid_value"),
    (re.compile(r"overflow"), "overflow"),
    (re.compile(r"cannot range over (?P<type>\w+)"), "not_a_list"),
)


def failure(error: str) -> ConditionError:
    """The evaluator's text (``no such overload: _<=_(int, double)``) as a problem."""
    for pattern, problem in _PATTERNS:
        found = pattern.search(error)
        if found is not None:
            params = _params(problem, found.groupdict())
            return ConditionError(error, problem, PROBLEMS[problem] % params, params)
    params = {"error": error}
    return ConditionError(error, "other", PROBLEMS["other"] % params, params)


def _params(problem: str, found: dict[str, str]) -> dict[str, str]:
    if problem != "wrong_types":
        return found
    operation = found["op"].replace("_", "").replace("@in", "in") or found["op"]
    return {"operation": operation, "types": found["types"]}


@dataclass(frozen=True)
class CheckedCondition:
    """A compiled condition that answers True, False or a ConditionError."""

    compiled: CompiledCondition
    _check: Callable[[Mapping[str, Any]], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_check", self.compiled.check)

    @property
    def source(self) -> str:
        return self.compiled.source

    def __call__(self, activation: Mapping[str, Any]) -> bool | ConditionError:
        held = self._check(activation)
        return held if type(held) is bool else failure(str(held))


def compile_checked(text: str, *, timezone: str | tzinfo = UTC) -> CheckedCondition:
    """:func:`compile_condition`, checked; raises what it raises. ``timezone`` is where
    the timestamp accessors (``getHours()``...) read a time given no zone."""
    return CheckedCondition(compile_condition(text, timezone=timezone))

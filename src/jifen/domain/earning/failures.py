"""A rule's condition that failed to evaluate, which is not the same as false.

``member.attributes.level > 3`` where a member's level is the text ``"5"`` does
not hold or fail to hold: it fails. The engine explains the rule as
``condition_error`` with a stable ``problem`` code and its ``params``, which
:data:`PROBLEMS` words in English (the pages translate the same words).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

#: problem code -> English words, with %(name)s params; ``other`` words any new one
PROBLEMS: Final[Mapping[str, str]] = {
    "wrong_types": "%(operation)s does not accept these types: %(types)s",
    "missing_field": "the field %(field)s is missing",
    "division_by_zero": "it divides by zero",
    "index_out_of_range": "a list index is out of range",
    "invalid_value": "a value cannot be converted to the type asked for",
    "overflow": "a number is too large",
    "not_a_list": "it ranges over %(type)s, not a list or a map",
    "other": "it could not be evaluated: %(error)s",
}


@dataclass(frozen=True, slots=True)
class ConditionError:
    """A condition that could not be evaluated, which is not the same as false.

    Falsy, so whoever asks only "does it hold?" reads it as not holding; the
    engine tells it apart and explains the rule as ``condition_error``.
    ``problem`` is a stable code (``wrong_types``, ``missing_field``, ...) with
    ``params`` to word it; ``explanation`` words it in English; ``error`` is the
    evaluator's own text (``no such overload: _<=_(int, double)``).
    """

    error: str
    problem: str = "other"
    explanation: str = ""
    params: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return False

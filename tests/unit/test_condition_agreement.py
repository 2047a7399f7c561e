"""What the checker accepts, jifen's compiled conditions evaluate to a bool.

The checker (cel-cpp) and the evaluator (jifen's compiler) are two readings of
CEL; given every good condition of the corpus and a sample order, member and
activity, when the compiled condition runs, then it gives true or false, never an
error.
"""

from __future__ import annotations

from typing import Any

import pytest

from jifen.adapters.cel import compile_condition
from jifen.domain.earning import member_vars, now_vars, order_vars
from jifen.domain.earning.variables import activity_vars
from tests.unit.test_condition_types import CORPUS
from tests.unit.test_condition_variables import NOW_, ORDER_, _member

REVIEW = {"stars": "integer", "score": "number", "text": "string", "verified": "boolean"}


def _activation(rule: str) -> dict[str, Any]:
    member = member_vars(_member(attributes={"city": "Shanghai", "level": 3}), NOW_, "CNY")
    if rule == "order":
        return {
            "member": member,
            "now": now_vars(NOW_),
            "order": order_vars(ORDER_, "CNY"),
            "activity": {},
        }
    payload = {"stars": 5, "score": 4, "text": "fine", "verified": True}
    activity = activity_vars("review", payload, REVIEW)
    return {"member": member, "now": now_vars(NOW_), "order": {}, "activity": activity}


@pytest.mark.parametrize(
    "case",
    CORPUS["good"],
    ids=lambda c: c["when"][:60],
)
def test_a_condition_the_checker_accepts_evaluates_to_a_bool(case: dict[str, str]) -> None:
    value = compile_condition(case["when"]).evaluate(_activation(case["rule"]))

    assert isinstance(value, bool)

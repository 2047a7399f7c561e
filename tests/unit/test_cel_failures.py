"""A rule's CEL condition tells false from failed, in words an operator reads."""

from __future__ import annotations

import pytest

from jifen.adapters.cel.failures import compile_checked, failure
from jifen.domain.earning import ConditionError


def test_a_condition_on_the_wrong_type_fails_rather_than_being_false() -> None:
    condition = compile_checked("member.attributes.level > 3")
    assert condition({"member": {"attributes": {"level": 5}}}) is True
    assert condition({"member": {"attributes": {"level": 2}}}) is False
    failed = condition({"member": {"attributes": {"level": "5"}}})
    assert isinstance(failed, ConditionError) and not failed
    assert failed.error == "no such overload: _>_(string, int)"
    assert failed.problem == "wrong_types"
    assert failed.explanation == "> cannot be used on a string and an int"
    assert condition.source == "member.attributes.level > 3"


@pytest.mark.parametrize(
    ("error", "problem", "words"),
    [
        ("no such overload: _<=_(int, double)", "wrong_types", "<= cannot be used on an int and a double"),
        ("no such key: 'level'", "missing_field", "the field 'level' is missing"),
        ("undeclared reference to 'member'", "missing_field", "the field 'member' is missing"),
        ("division by zero", "division_by_zero", "it divides by zero"),
        ("index out of range: list index out of range", "index_out_of_range", "a list index is out of range"),
        ("return error for overflow", "overflow", "a number is too large"),
        ("cannot range over int", "not_a_list", "it ranges over int, not a list or a map"),
        ("something new", "other", "it could not be evaluated: something new"),
    ],
)  # fmt: skip
def test_evaluation_errors_are_worded_for_an_operator(error: str, problem: str, words: str) -> None:
    found = failure(error)
    assert (found.problem, found.explanation, found.error) == (problem, words, error)

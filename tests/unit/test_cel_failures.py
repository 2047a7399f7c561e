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
    assert failed.explanation == "> does not accept these types: string, int"
    assert condition.source == "member.attributes.level > 3"


@pytest.mark.parametrize(
    ("error", "problem", "words"),
    [
        ("no such overload: _<=_(int, double)", "wrong_types", "<= does not accept these types: int, double"),
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


def test_every_problem_is_worded_on_the_pages_in_both_languages() -> None:
    from jifen.domain.earning import PROBLEMS  # noqa: PLC0415
    from jifen.entrypoints.web.console.rule_errors import WORDS, words  # noqa: PLC0415
    from jifen.entrypoints.web.i18n import load  # noqa: PLC0415

    assert sorted(WORDS) == sorted(PROBLEMS.values())
    zh = load()["zh-CN"]
    params = {"operation": ">", "types": "string, int"}
    assert words(zh, "wrong_types", params, "raw") == (
        "> 不接受这些类型：string, int（某个值的类型与条件预期的不符，"
        "例如应为数字却是文本，或整数与小数相比较）"
    )
    assert words(zh, "a_new_problem", {}, "raw text") == "raw text"
    assert words(zh, "missing_field", {}, "raw text") == "raw text"  # params lost: raw

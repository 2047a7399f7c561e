"""A type error's line and column are the file's, however the YAML writes the condition."""

from __future__ import annotations

import pytest

from jifen.adapters.cel import checker
from jifen.adapters.programfile import compile_program
from jifen.adapters.programfile.loader import ConditionsMistyped
from jifen.domain.earning.variables import ORDER_SCOPE
from jifen.domain.error_codes import ProgramCode

HEADER = """\
program:
  code: places
  name: {en: Places}
  currency: CNY
  point_value: "0.01"
  timezone: Asia/Shanghai
"""


def _errors(body: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ConditionsMistyped) as caught:
        compile_program(HEADER + body, "p.yaml", check_types=True)
    assert caught.value.code is ProgramCode.CONDITION_MISTYPED
    return [(e["line"], e["column"], e["field"]) for e in caught.value.params["errors"]]


def _at(body: str, line: int, marker: str) -> tuple[int, int]:
    """The 1-based place of ``marker`` on ``line`` of the whole file."""
    text = (HEADER + body).splitlines()[line - 1]
    return line, text.index(marker) + 1


RULE = "rules:\n  - id: r\n    kind: bonus\n    points: 5\n"


@pytest.mark.parametrize(
    "when",
    [
        "    when: order.total == 100 && member.tier == gold\n",
        "    when: 'order.total == 100 && member.tier == gold'\n",
        '    when: "order.total == 100 && member.tier == \\"x\\" || member.tier == gold"\n',
    ],
    ids=["plain", "single-quoted", "double-quoted-with-escapes"],
)
def test_a_one_line_condition_is_placed_on_its_line(when: str) -> None:
    body = RULE + when

    found = _errors(body)

    assert found[0] == (*_at(body, 11, "=="), "rules.0.when")
    assert found[-1] == (*_at(body, 11, "gold"), "rules.0.when")


@pytest.mark.parametrize("style", ["|", ">-", ""])
def test_a_condition_over_several_lines_is_placed_on_the_line_of_the_error(style: str) -> None:
    body = (
        RULE
        + f"    when: {style}\n      member.first_order_this_week &&\n        order.totl > 1.0\n"
    )

    assert _errors(body) == [(*_at(body, 13, ".totl"), "rules.0.when")]


def test_a_campaigns_condition_is_checked_for_each_kind_of_rule_it_gates() -> None:
    body = """\
campaigns:
  - id: c
    starts: 2026-01-01T00:00:00
    ends: 2027-01-01T00:00:00
    when: order.total > 10.0
    rules:
      - {id: orders, kind: multiplier, factor: 2}
      - {id: sign, kind: activity, activity: sign_up, points: 5, when: activity.typ == "x"}
"""
    found = _errors(body)

    assert found == [
        (*_at(body, 11, ".total"), "campaigns.0.when"),
        (*_at(body, 14, ".typ"), "campaigns.0.rules.1.when"),
    ]


def test_a_published_version_compiles_without_the_check_so_it_keeps_earning() -> None:
    body = RULE + "    when: order.total == 100\n"

    definition = compile_program(HEADER + body, "v1")

    assert definition.earning.rules[0].when is not None


def test_without_the_checker_validation_still_works_and_warns_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checker, "AVAILABLE", False)
    monkeypatch.setattr(checker, "_warned", False)
    body = RULE + "    when: order.total == 100\n"

    with pytest.warns(RuntimeWarning, match="NOT type-checked"):
        definition = compile_program(HEADER + body, "p.yaml", check_types=True)

    assert definition.earning.rules[0].when is not None


@pytest.mark.parametrize(
    "when",
    ["(" * 3000 + "true" + ")" * 3000, "!" * 20000 + "true", "member.tier == '\ud800'"],
    ids=["deep", "long", "lone-surrogate"],
)
def test_hostile_text_is_left_to_the_compiler_not_a_crash(when: str) -> None:
    assert checker.check_condition(when, ORDER_SCOPE) == []

"""The CEL specification's conformance suite, as far as rule conditions go.

Given the eight conformance files of cel-spec (``cel-spec/``), when each case
without a container or a message type is compiled and evaluated, then at
least 85% compile and at least 99% of those give the expected value. The
figures are printed (``pytest -s``) and written to ``docs/cel.md`` by
``python -m tests.conformance.cel_spec --write``.
"""

from __future__ import annotations

import pytest

from tests.conformance.cel_spec import Case, cases, figures, needs_messages, report, run


def test_the_conformance_targets_are_met() -> None:
    result = figures()
    print(report(result))
    assert result.total == 707  # every case of the eight files was read
    assert result.compile_rate >= 0.85, report(result)
    assert result.pass_rate >= 0.99, report(result)


@pytest.mark.parametrize(
    "case",
    [case for case in cases() if not needs_messages(case)],
    ids=lambda case: case.title,
)
def test_conformance_case(case: Case) -> None:
    outcome, detail = run(case)
    if outcome == "refused":
        pytest.skip(f"outside the subset: {detail}")
    assert outcome == "passed", detail

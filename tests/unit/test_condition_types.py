"""``jifen program validate`` type-checks every condition, as an operator meets it.

Given a programme file with one rule whose condition is wrong in one of the ways
listed in ``data/conditions.yaml``, when it is validated, then the command fails
and prints one line per error naming the file, the line and column in the file,
the field, and what to write instead; the corpus's good conditions validate.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from jifen.entrypoints.cli.main import app as cli

ROOT = Path(__file__).resolve().parents[2]
CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "conditions.yaml").read_text())
HEADER = """\
program:
  code: corpus
  name: {en: Corpus}
  currency: CNY
  point_value: "0.01"
  timezone: Asia/Shanghai
activities:
  review: {stars: integer, score: number, text: string, verified: boolean}
rules:
"""
RULES = {
    "order": "  - id: r\n    kind: bonus\n    points: 5\n",
    "review": "  - id: r\n    kind: activity\n    activity: review\n    points: 5\n",
}
WHEN_LINE = HEADER.count("\n") + 3 + 1  # `when:` follows the order rule's three lines
LINE = re.compile(r"^error: program_condition_mistyped: (.+):(\d+):(\d+): rules\.0\.when: (.+)$")


def _validate(tmp_path: Path, rule: str, when: str) -> Any:
    path = tmp_path / "programme.yaml"
    body = HEADER + RULES[rule] + f"    when: {json.dumps(when)}\n"
    path.write_text(body, encoding="utf-8")
    return path, CliRunner().invoke(cli, ["program", "validate", str(path)])


def _case_id(case: dict[str, str]) -> str:
    return case["when"][:60]


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS["mistyped"]) >= 50


@pytest.mark.parametrize("case", CORPUS["mistyped"], ids=_case_id)
def test_a_mistyped_condition_is_refused_with_its_place_in_the_file_and_a_hint(
    tmp_path: Path, case: dict[str, str]
) -> None:
    path, done = _validate(tmp_path, case["rule"], case["when"])

    assert done.exit_code == 2, done.output
    lines = done.stderr.strip().splitlines()
    assert lines, done.output
    for line in lines:
        found = LINE.match(line)
        assert found, line
        file, row, column, text = found.groups()
        line_no = WHEN_LINE + (1 if case["rule"] == "review" else 0)
        assert (file, int(row)) == (str(path), line_no), line
        assert int(column) > len('    when: "'), line
        assert "; " in text, f"no hint: {line}"
    assert case["says"] in done.stderr, done.stderr


@pytest.mark.parametrize("case", CORPUS["good"], ids=_case_id)
def test_a_well_typed_condition_validates(tmp_path: Path, case: dict[str, str]) -> None:
    _, done = _validate(tmp_path, case["rule"], case["when"])

    assert done.exit_code == 0, done.output


@pytest.mark.parametrize("name", ["fresh-market", "lifestyle-brand"])
def test_the_example_programmes_validate(name: str) -> None:
    done = CliRunner().invoke(cli, ["program", "validate", str(ROOT / "programs" / f"{name}.yaml")])

    assert done.exit_code == 0, done.output


def test_the_hints_need_no_cel_python() -> None:
    """cel-python is a development dependency: a production install writes the same hints."""
    script = (
        "import sys; sys.modules['celpy'] = None\n"
        "from jifen.adapters.cel.checker.operands import binary_at\n"
        "found = binary_at('line.quantity * line.unit_price > 1.0', 14)\n"
        "assert found is not None and found.left == 'line.quantity', found\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr

"""Programme files are validated with the file, the line and the field named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jifen.adapters.programfile import ProgramFileError, load_program_file
from jifen.domain.programs import NegativeBalancePolicy

ROOT = Path(__file__).resolve().parents[2]
GOOD = """\
program:
  code: shop
  name: {en: Shop}
  currency: CNY
  point_value: "0.01"
  timezone: Asia/Shanghai
ledger:
  negative_balance: allow
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_fresh_market_programme_loads_with_the_seed_values() -> None:
    program = load_program_file(ROOT / "programs" / "fresh-market.yaml")
    assert program.code == "fresh-market"
    assert program.point_value == Decimal("0.01")  # 100 points = 1 yuan
    assert program.timezone == "Asia/Shanghai"
    assert program.name["zh-CN"] == "鲜生超市积分"
    assert program.policy.negative_balance is NegativeBalancePolicy.FLOOR


def test_a_valid_file_sets_the_ledger_policy(tmp_path: Path) -> None:
    program = load_program_file(write(tmp_path, GOOD))
    assert program.policy.negative_balance is NegativeBalancePolicy.ALLOW


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("Asia/Shanghai", "Asia/Shangai", 6, "program.timezone"),
        ('"0.01"', "0.01", 5, "program.point_value"),
        ("CNY", "yuan", 4, "program.currency"),
        ("negative_balance: allow", "negative_balance: sometimes", 8, "ledger.negative_balance"),
        ("  code: shop\n", "  code: shop\n  colour: red\n", 3, "program.colour"),
    ],
)
def test_a_bad_field_is_reported_with_its_line(
    tmp_path: Path, old: str, new: str, line: int, field: str
) -> None:
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ProgramFileError) as err:
        load_program_file(path)
    assert str(err.value.detail).startswith(f"{path}:{line}: {field}")


def test_broken_yaml_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ProgramFileError, match=r"p\.yaml:2: not valid YAML"):
        load_program_file(write(tmp_path, "program:\n  code: [unclosed\n"))
    with pytest.raises(ProgramFileError, match="cannot read"):
        load_program_file(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    "nested",
    ["[" * 5000 + "]" * 5000, "{a: " * 5000 + "1" + "}" * 5000, "\n  - " + "- " * 2000 + "x"],
    ids=["flow-sequences", "flow-mappings", "block-sequences"],
)
def test_a_file_nested_past_32_levels_is_refused_not_a_recursion_error(
    tmp_path: Path, nested: str
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(f"program:\n  code: deep\nextra: {nested}\n")
    with pytest.raises(ProgramFileError, match="nested deeper than 32 levels"):
        load_program_file(path)

"""Error codes are first-class: enums per area, raised with their family, documented.

Given the source tree and the enums of ``jifen.domain.error_codes``, these tests hold
every ``raise`` to the family its code names, forbid a code written as a bare string,
and keep the table of codes in docs/api.md made from the enums.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from jifen.domain import error_codes, errors
from jifen.domain.error_codes import AREAS, Code, Family
from jifen.entrypoints.api import codes as code_table
from jifen.entrypoints.api.errors import STATUS
from jifen.entrypoints.cli.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "jifen"
TREE = {
    name: cls
    for name, cls in vars(errors).items()
    if inspect.isclass(cls) and issubclass(cls, errors.JifenError)
}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text()))
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.parts
    ]


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _code_of(node: ast.expr) -> Code | None:
    """``LedgerCode.CONFLICT`` (as written in a keyword) -> the member."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        enum = getattr(error_codes, node.value.id, None)
        if inspect.isclass(enum) and issubclass(enum, Code):
            return enum[node.attr]  # type: ignore[no-any-return]
    return None


def test_every_code_is_an_enum_member_never_a_bare_string() -> None:
    bare = []
    for path, module in _modules():
        for node in ast.walk(module):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values = [kw.value for kw in node.keywords if kw.arg == "code"]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_name(t) == "code" for t in targets) and node.value is not None:
                    values = [node.value]
            bare += [
                f"{path.relative_to(ROOT)}:{v.lineno}"
                for v in values
                if isinstance(v, ast.Constant)
                and isinstance(v.value, str)
                and path.parent.name != "web"  # a page's form fields named code
            ]
    assert bare == []


def test_every_raise_uses_the_family_its_code_names() -> None:
    wrong, bare_root = [], []
    for path, module in _modules():
        for node in ast.walk(module):
            if not isinstance(node, ast.Call) or _name(node.func) not in TREE:
                continue
            cls = TREE[str(_name(node.func))]
            if cls is errors.JifenError:
                bare_root.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            for kw in node.keywords:
                code = _code_of(kw.value) if kw.arg == "code" else None
                if code is not None and code.family is not cls.family:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {cls.__name__} {code}")
    assert wrong == []
    assert bare_root == [], "raise a branch of the tree, never JifenError itself"


@pytest.mark.parametrize("cls", [c for c in TREE.values() if c is not errors.JifenError])
def test_each_error_class_has_a_code_of_its_own_family(cls: type[errors.JifenError]) -> None:
    assert cls.code.family is cls.family
    assert errors.FAMILIES[cls.family] in cls.__mro__


def test_codes_are_unique_and_every_family_has_a_status_and_an_exit_code() -> None:
    values = [code.value for area in AREAS for code in area]
    assert len(values) == len(set(values))
    assert set(STATUS) == set(Family) == set(EXIT_CODES) == set(errors.FAMILIES)


def test_the_member_not_found_error_names_the_member() -> None:
    err = errors.MemberNotFound("M-7")
    assert (err.code, err.params, err.detail) == (
        "member_not_found",
        {"member": "M-7"},
        "member M-7 not found",
    )


def test_the_table_of_codes_in_the_api_guide_is_made_from_the_enums() -> None:
    guide = (ROOT / "docs" / "api.md").read_text()
    assert code_table.rewritten(guide) == guide, (
        "docs/api.md is out of date: python -m jifen.entrypoints.api.codes docs/api.md"
    )
    for area in AREAS:
        for code in area:
            assert f"| `{code}` |" in guide

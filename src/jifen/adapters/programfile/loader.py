"""Reading a programme file: YAML, then the schema, then domain objects.

Every error names the file, the field path and the line, e.g.
``programs/x.yaml:7: program.timezone: unknown timezone 'Asia/Shangai'``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jifen.adapters.programfile.build import (
    Compile,
    SpecError,
    build_earning,
    build_program,
    build_tasks,
)
from jifen.adapters.programfile.build_challenges import (
    build_badges,
    build_challenges,
    build_leaderboards,
)
from jifen.adapters.programfile.build_redemption import build_redemption
from jifen.adapters.programfile.build_tiers import build_tiers
from jifen.adapters.programfile.conditions import ConditionProblem, type_errors
from jifen.adapters.programfile.schema import ProgramFile
from jifen.domain.definition import ProgramDefinition
from jifen.domain.error_codes import Code, ProgramCode
from jifen.domain.errors import InvalidInput, JifenError
from jifen.domain.programs import Program, validate_program_fields


class ProgramFileError(InvalidInput):
    code: Code = ProgramCode.FILE_INVALID


class ConditionsMistyped(ProgramFileError):
    """Conditions that do not type-check: one line of ``detail`` per error."""

    code: Code = ProgramCode.CONDITION_MISTYPED

    def __init__(self, name: str, found: list[ConditionProblem]) -> None:
        super().__init__(
            "\n".join(p.text(name) for p in found),
            file=name,
            errors=[
                {
                    "line": p.line,
                    "column": p.column,
                    "field": p.field,
                    "message": p.message,
                    "hint": p.hint,
                }
                for p in found
            ],
        )


def load_program_file(path: str | Path) -> Program:
    """The programme part of a file (what the ledger needs)."""
    return read_program_definition(path).program


def read_program_definition(
    path: str | Path, version: int = 0, *, check_types: bool = False
) -> ProgramDefinition:
    """A programme file, validated and compiled (rules included); ``check_types``: its
    conditions type-checked too, as before publishing."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProgramFileError(f"{path}: cannot read: {exc.strerror}", file=str(path)) from exc
    return compile_program(text, str(path), version, check_types=check_types)


def compile_program(
    source: str,
    name: str,
    version: int = 0,
    *,
    compile_condition: Compile | None = None,
    check_types: bool = False,
) -> ProgramDefinition:
    """Validate and compile a programme's source; ``name`` is used in error messages.

    ``check_types`` is for a draft (validate, publish, preview): its conditions are
    type-checked against the declared variables. A published version is compiled
    without, so that a version published before the checker keeps earning.
    """
    node, data = _yaml(source, name)
    try:
        spec = ProgramFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = [str(p) for p in err["loc"]]
        raise _error(name, node, where, err["msg"]) from exc
    p = spec.program
    try:
        validate_program_fields(p.code, p.currency, p.point_value, p.timezone)
    except JifenError as exc:
        raise _error(name, node, ["program", str(exc.params.get("field", ""))], exc.detail) from exc
    if check_types:
        found = type_errors(spec, node, source)
        if found:
            raise ConditionsMistyped(name, found)
    if compile_condition is None:
        # checked: a condition that fails to evaluate is told from one that is false
        from jifen.adapters.cel.failures import compile_checked  # noqa: PLC0415 - heavy

        # the accessors (getHours()...) read the programme's clock, as now.hour does
        compile_condition = functools.partial(compile_checked, timezone=p.timezone)
    try:
        earning = build_earning(spec, version, compile_condition)
        redemption = build_redemption(spec)
        tiers = build_tiers(spec)
        tasks = build_tasks(spec)
        badges = build_badges(spec)
        challenges = build_challenges(spec, earning.activity_types, badges, compile_condition)
        boards = build_leaderboards(spec, earning.activity_types)
    except SpecError as exc:
        raise _error(name, node, [str(p) for p in exc.path], exc.message) from exc
    return ProgramDefinition(
        build_program(spec),
        earning,
        source,
        redemption,
        tiers,
        tasks,
        challenges,
        badges,
        boards,
    )


#: LibYAML's parser (C) where PyYAML was built with it: parsing was most of a publish
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The deepest nesting of mappings and sequences a programme file may have: PyYAML's
#: composer recurses, and a file of ``[[[[...`` would otherwise exhaust Python's stack
MAX_DEPTH = 32


def _yaml(text: str, name: str) -> tuple[yaml.Node | None, Any]:
    """The file's nodes (for the lines of errors) and its data, parsed once by LibYAML."""
    try:
        _check_depth(text, name)
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            return node, (loader.construct_document(node) if node is not None else None)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or "cannot parse"
        if "nesting depth" in problem:  # LibYAML's own limit, met as it reads ahead
            raise _too_deep(name, line) from exc
        raise ProgramFileError(
            f"{name}:{line}: not valid YAML: {problem}", file=name, line=line
        ) from exc


def _too_deep(name: str, line: int) -> ProgramFileError:
    return ProgramFileError(
        f"{name}:{line}: nested deeper than {MAX_DEPTH} levels", file=name, line=line
    )


def _check_depth(text: str, name: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH`, read as a flat stream of events."""
    depth = 0
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(name, event.start_mark.line + 1 if event.start_mark else 0)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _error(
    name: str,
    node: yaml.Node | None,
    where: list[str],
    message: str,
) -> ProgramFileError:
    line = _line_of(node, where)
    field = ".".join(where)
    return ProgramFileError(f"{name}:{line}: {field}: {message}", file=name, line=line, field=field)


def _line_of(node: yaml.Node | None, path: list[str]) -> int:
    """The 1-based line of the deepest node along ``path`` that exists."""
    line = node.start_mark.line + 1 if node is not None else 0
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                return line
            node = match
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            break
        line = node.start_mark.line + 1
    return line

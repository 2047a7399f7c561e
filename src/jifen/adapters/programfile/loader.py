"""Reading a programme file into a :class:`~jifen.domain.programs.Program`.

Errors name the file, the field path and the line, e.g.
``programs/x.yaml:7: program.timezone: unknown timezone 'Asia/Shangai'``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jifen.domain.errors import InvalidInput, JifenError
from jifen.domain.programs import (
    LedgerPolicy,
    NegativeBalancePolicy,
    Program,
    validate_program_fields,
)


class ProgramFileError(InvalidInput):
    code = "program_file_invalid"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProgramSection(_Strict):
    code: str
    name: dict[str, str] = Field(min_length=1)
    currency: str
    point_value: Decimal
    timezone: str

    @field_validator("point_value", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError('write point_value as a quoted decimal, e.g. "0.01"')
        return value


class LedgerSection(_Strict):
    negative_balance: Literal["allow", "floor"] = "floor"
    hold_ttl_minutes: int = Field(15, ge=1, le=60 * 24 * 7)
    max_hold_ttl_days: int = Field(7, ge=1, le=90)
    returned_points_grace_days: int = Field(30, ge=1, le=3650)


class ProgramFile(_Strict):
    program: ProgramSection
    ledger: LedgerSection = LedgerSection()


def load_program_file(path: str | Path) -> Program:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProgramFileError(f"{path}: cannot read: {exc.strerror}", file=str(path)) from exc
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or "cannot parse"
        raise ProgramFileError(
            f"{path}:{line}: not valid YAML: {problem}", file=str(path), line=line
        ) from exc

    try:
        parsed = ProgramFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = [str(p) for p in err["loc"]]
        line = _line_of(node, where)
        raise ProgramFileError(
            f"{path}:{line}: {'.'.join(where)}: {err['msg']}",
            file=str(path),
            line=line,
            field=".".join(where),
        ) from exc
    p, led = parsed.program, parsed.ledger
    try:
        validate_program_fields(p.code, p.currency, p.point_value, p.timezone)
    except JifenError as exc:
        field = f"program.{exc.params.get('field', '')}"
        line = _line_of(node, field.split("."))
        raise ProgramFileError(
            f"{path}:{line}: {field}: {exc.detail}", file=str(path), line=line, field=field
        ) from exc
    return Program(
        id=0,
        code=p.code,
        name=dict(p.name),
        currency=p.currency,
        point_value=p.point_value,
        timezone=p.timezone,
        policy=LedgerPolicy(
            negative_balance=NegativeBalancePolicy(led.negative_balance),
            hold_ttl=timedelta(minutes=led.hold_ttl_minutes),
            max_hold_ttl=timedelta(days=led.max_hold_ttl_days),
            returned_points_grace=timedelta(days=led.returned_points_grace_days),
        ),
    )


def _line_of(node: yaml.Node | None, path: list[str]) -> int:
    """The 1-based line of the deepest node along ``path`` that exists."""
    line = node.start_mark.line + 1 if node is not None else 0
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                key = next((k for k, _ in node.value if k.value == part), None)
                return key.start_mark.line + 1 if key is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            break
        line = node.start_mark.line + 1
    return line

"""A programme file, understood: the programme, its earning rules and its text."""

from __future__ import annotations

from dataclasses import dataclass

from jifen.domain.earning.program import EarningProgram
from jifen.domain.programs import Program


@dataclass(frozen=True)
class ProgramDefinition:
    program: Program
    earning: EarningProgram
    source: str

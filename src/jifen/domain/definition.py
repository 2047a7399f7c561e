"""A programme file, understood: the programme, its earning, tiers and spending, and its text."""

from __future__ import annotations

from dataclasses import dataclass, field

from jifen.domain.earning import EarningProgram
from jifen.domain.programs import Program
from jifen.domain.redemption import RedemptionPolicy
from jifen.domain.tiers import TierPolicy


@dataclass(frozen=True)
class ProgramDefinition:
    program: Program
    earning: EarningProgram
    source: str
    redemption: RedemptionPolicy = field(default_factory=RedemptionPolicy)
    tiers: TierPolicy = field(default_factory=TierPolicy)

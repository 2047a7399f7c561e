"""A programme file, understood: the programme, its earning, tiers and spending, its tasks
and challenges, and its text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jifen.domain.challenges import Badge, Challenge
from jifen.domain.earning import EarningProgram
from jifen.domain.engagement.tasks import Task
from jifen.domain.leaderboards import Board
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
    tasks: Mapping[str, Task] = field(default_factory=dict)  # by id, in file order
    challenges: Mapping[str, Challenge] = field(default_factory=dict)  # by id, in file order
    badges: Mapping[str, Badge] = field(default_factory=dict)
    leaderboards: Mapping[str, Board] = field(default_factory=dict)

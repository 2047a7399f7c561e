"""Campaigns as operators follow them: when they run and what is left of their budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jifen.domain.programs import Program
from jifen.services.earning.ports import EarningWork
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks


@dataclass(frozen=True)
class CampaignView:
    id: str
    name: dict[str, str]
    starts: datetime | None
    ends: datetime | None
    running: bool  # inside its dates now (a day or hour window may still apply)
    budget: int | None  # points; None: no cap
    left: int | None
    used: int | None


def campaigns(
    uow: EarningWork, clock: Clock, rulebooks: Rulebooks, program: Program
) -> list[CampaignView]:
    now = clock.now()
    with uow:
        earning = rulebooks.current(uow, program).earning
        views = []
        for c in earning.campaigns.values():
            left = uow.earning.budget_left(program.id, c.id) if c.budget is not None else None
            if c.budget is not None and left is None:
                left = c.budget  # nothing spent yet
            starts, ends = c.window.starts, c.window.ends
            running = (starts is None or now >= starts) and (ends is None or now < ends)
            used = None if c.budget is None or left is None else c.budget - left
            views.append(
                CampaignView(c.id, dict(c.name), starts, ends, running, c.budget, left, used)
            )
    return views

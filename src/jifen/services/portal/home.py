"""The home page: balances, points about to expire, the tier, the latest movements."""

from __future__ import annotations

from dataclasses import dataclass

from jifen.domain.definition import ProgramDefinition
from jifen.domain.programs import Program
from jifen.services.members import (
    Expiring,
    HistoryItem,
    MemberView,
    expiring_of,
    find_member,
    history_of,
    member_view_of,
)
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks
from jifen.services.tiers import TierView, view_of
from jifen.services.tiers.ports import TierWork

EXPIRING_DAYS = 90  # the window of "expiring soon"
RECENT = 5  # movements on the home page; the rest are on the history page


@dataclass(frozen=True, kw_only=True)
class HomePage:
    """Everything the portal's home page shows, read at one moment."""

    member: MemberView
    expiring: Expiring  # points expiring in the next EXPIRING_DAYS, by day
    tier: TierView
    recent: tuple[HistoryItem, ...]  # the latest movements, newest first
    rules: ProgramDefinition  # the current version: names of rules, rewards, activities


def home_page(
    uow: TierWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    external_id: str,
) -> HomePage:
    """The signed-in member's home page, from one transaction."""
    now = clock.now()
    with uow:
        member = find_member(uow, program, external_id)
        rules = rulebooks.current(uow, program)
        return HomePage(
            member=member_view_of(uow, program, member, now),
            expiring=expiring_of(uow, program, member, now, EXPIRING_DAYS),
            tier=view_of(uow, program, rules.tiers, member, now),
            recent=history_of(uow, member, None, RECENT).items,
            rules=rules,
        )

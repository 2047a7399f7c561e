"""What a member (or an operator) sees of a member's tier: where they stand, what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.domain.tiers import Progress, Stats, TierPolicy
from jifen.services.members import find_member
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks
from jifen.services.tiers.movement import gap_json, month_in
from jifen.services.tiers.ports import TierWork

HISTORY = 50


@dataclass(frozen=True)
class TierHistoryItem:
    from_tier: str | None
    to_tier: str | None
    reason: str
    actor: str | None
    at: datetime
    detail: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class TierView:
    """What a member (or an operator) sees of a member's tier."""

    member: str
    tier: str
    name: dict[str, str] = field(default_factory=dict)
    multiplier: str = "1"
    perks: list[dict[str, str]] = field(default_factory=list)
    since: datetime | None = None
    review_month: int | None = None
    at_risk: bool = False
    floor: str | None = None
    floor_until: datetime | None = None
    next_tier: str | None = None
    next_name: dict[str, str] | None = None
    # each: what is missing on one way to the next tier
    routes: list[list[dict[str, Any]]] = field(default_factory=list)
    close_to_next: bool = False
    # what keeping the tier still needs by the review
    retain: list[list[dict[str, Any]]] = field(default_factory=list)
    history: tuple[TierHistoryItem, ...]
    replayed: bool = False


def tier_view(
    uow: TierWork, clock: Clock, rulebooks: Rulebooks, program: Program, member_ref: str
) -> TierView:
    now = clock.now()
    with uow:
        policy = rulebooks.current(uow, program).tiers
        return view_of(uow, program, policy, find_member(uow, program, member_ref), now)


def view_of(
    uow: TierWork, program: Program, policy: TierPolicy, member: Member, now: datetime
) -> TierView:
    history = tuple(
        TierHistoryItem(c.from_tier, c.to_tier, c.reason, c.actor, c.at, c.detail)
        for c in uow.tiers.changes(member.id, HISTORY)
    )
    if not policy:  # a programme without tiers
        return TierView(member=member.external_id, tier=member.tier or "", history=history)
    p = _progress(uow, program, policy, member, now)
    state, current = member.tiering, p.current
    return TierView(
        member=member.external_id,
        tier=current.code,
        name=dict(current.name),
        multiplier=str(current.multiplier),
        perks=[dict(x) for x in current.perks],
        since=state.since,
        review_month=state.review_month,
        at_risk=state.at_risk,
        floor=state.floor,
        floor_until=state.floor_until,
        next_tier=p.next.code if p.next else None,
        next_name=dict(p.next.name) if p.next else None,
        routes=[[gap_json(g) for g in route] for route in p.routes],
        close_to_next=p.close,
        retain=[[gap_json(g) for g in route] for route in p.retain_routes if route],
        history=history,
    )


def _progress(
    uow: TierWork, program: Program, policy: TierPolicy, member: Member, now: datetime
) -> Progress:
    """Where the member stands: the window's activity, and the review period's so far."""
    state, month = member.tiering, month_in(program, now)
    stats = uow.tiers.stats(member.id, *policy.window.span(month, state.counted_from))
    period = Stats()
    if state.review_month is not None:
        first, _ = policy.review.window(state.review_month, state.at_risk)
        period = uow.tiers.stats(member.id, first, month)
    return policy.progress(state, now, stats, period)

"""Tier decisions saved, recorded and announced: one place for every change of tier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.domain.tiers import Decision, Level, TierPolicy, TierState
from jifen.services.tiers.ports import TierChange, Tiered, TierWork


def apply_decision(
    uow: TierWork,
    program: Program,
    policy: TierPolicy,
    member: Member,
    decision: Decision,
    now: datetime,
    *,
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
    always: bool = False,
) -> tuple[Member, bool]:
    changed = apply_decisions(
        uow, program, policy, [(member, decision)], now, actor=actor, detail=detail, always=always
    )
    effective = policy.effective(decision.state, now).code if policy else member.tier
    return replace(member, tier=effective, tiering=decision.state), bool(changed)


def apply_decisions(
    uow: TierWork,
    program: Program,
    policy: TierPolicy,
    decisions: Sequence[tuple[Member | Tiered, Decision]],
    now: datetime,
    *,
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
    always: bool = False,
) -> int:
    """Save each decision; record and announce those that change something visible."""
    saves: list[tuple[int, str | None, TierState]] = []
    changes: list[tuple[int, TierChange]] = []
    events: list[dict[str, Any]] = []
    for member, decision in decisions:
        after = policy.effective(decision.state, now)
        saves.append((member.id, after.code, decision.state))
        if always or _visible(policy, member, decision, after):
            change = _change(uow, policy, member, decision, now, actor, detail)
            changes.append((member.id, change))
            events.append(_event(member, decision, change))
    uow.tiers.save(saves, now)
    uow.tiers.record_changes(program.id, changes)
    uow.outbox.add_many(program.id, "tier.changed", events, now)
    return len(changes)


def _visible(policy: TierPolicy, member: Member | Tiered, decision: Decision, after: Level) -> bool:
    """A new tier, a new earned level, or a new risk: what a member is told of."""
    return (
        after.code != (member.tier or policy.base.code)
        or decision.state.earned != member.tiering.earned
        or decision.state.at_risk != member.tiering.at_risk
    )


def _change(
    uow: TierWork,
    policy: TierPolicy,
    member: Member | Tiered,
    decision: Decision,
    now: datetime,
    actor: str | None,
    detail: dict[str, Any] | None,
) -> TierChange:
    """The change to record; a tier whose points never expire stops the member's lots."""
    before = policy.effective(member.tiering, now)
    after = policy.effective(decision.state, now)
    info = dict(detail or {})
    if after.points_never_expire and not before.points_never_expire:
        info["lots_no_longer_expiring"] = uow.tiers.stop_expiry(member.id)
    previous = member.tier or policy.base.code
    return TierChange(
        from_tier=previous,
        to_tier=after.code,
        reason=decision.reason.value,
        actor=actor,
        detail=info,
        at=now,
    )


def _event(member: Member | Tiered, decision: Decision, change: TierChange) -> dict[str, Any]:
    return {
        "member": member.external_id,
        "from": change.from_tier,
        "to": change.to_tier,
        "reason": decision.reason.value,
        "review_month": decision.state.review_month,
        "at_risk": decision.state.at_risk,
    }

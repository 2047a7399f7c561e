"""An operator's floor: a member held at a tier at least, until a date."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from jifen.domain.errors import InvalidInput
from jifen.domain.programs import Program
from jifen.domain.tiers import Decision, Reason
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import lock_member
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks
from jifen.services.tiers.changes import apply_decision
from jifen.services.tiers.commands import SetTierFloor
from jifen.services.tiers.ports import TierWork
from jifen.services.tiers.view import TierView, view_of


def set_floor(
    uow: TierWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: SetTierFloor,
    key: str,
) -> TierView:
    """An operator's floor: the member is at least ``cmd.tier`` until ``cmd.until``."""
    if not cmd.reason.strip():
        raise InvalidInput("a tier override needs a reason", field="reason")
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), partial(_set, rulebooks=rulebooks))


def _set(uow: TierWork, call: Keyed[SetTierFloor], *, rulebooks: Rulebooks) -> TierView:
    program, cmd, now = call.program, call.command, call.now
    policy = rulebooks.current(uow, program).tiers
    if cmd.tier is not None:
        if cmd.tier not in {lvl.code for lvl in policy.levels}:
            raise InvalidInput(f"unknown tier {cmd.tier!r}", field="tier")
        if cmd.until is None or cmd.until <= now:
            raise InvalidInput("a tier override needs an end in the future", field="until")
    member = lock_member(uow, program, cmd.member)
    member.require_active()
    state = replace(member.tiering, floor=cmd.tier, floor_until=cmd.until if cmd.tier else None)
    detail = {"reason": cmd.reason, "until": cmd.until.isoformat() if cmd.until else None}
    decision = Decision(state, Reason.FLOOR_SET)
    member, _ = apply_decision(
        uow, program, policy, member, decision, now, actor=cmd.actor, detail=detail, always=True
    )
    audited = {"tier": cmd.tier, **detail}
    uow.audit.record(program.id, cmd.actor, "tier.override", member.external_id, audited, now)
    return view_of(uow, program, policy, member, now)

"""The reward catalogue as members and integrators see it: live stock, what a member can have.

``member_rewards`` sorts the catalogue for one member into what they can
redeem now and what is *one purchase away*: short by no more than the points
their typical order earns (their average order at their tier's multiplier,
or an order of 100 in the programme's currency before their first). The lists
are in catalogue order, ready to be re-ranked by personalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jifen.domain.definition import ProgramDefinition
from jifen.domain.errors import JifenError, MemberNotFound
from jifen.domain.members import Member
from jifen.domain.money import exponent
from jifen.domain.programs import Program
from jifen.domain.redemption import Reward
from jifen.services.ledger import as_settled
from jifen.services.ports import Clock
from jifen.services.redemption.ports import RedemptionWork, StockLevel
from jifen.services.rulebooks import Rulebooks


@dataclass(frozen=True)
class RewardView:
    code: str
    kind: str
    name: dict[str, str]
    description: dict[str, str]
    points: int
    cash: int
    category: str | None
    image_url: str | None
    stock: int | None  # what the file declares; None: unlimited
    remaining: int | None
    starts: datetime | None
    ends: datetime | None
    available_now: bool
    tiers: list[str]
    limits: list[dict[str, Any]]
    voucher: dict[str, int] | None


@dataclass(frozen=True)
class Reachable:
    reward: RewardView
    missing: int  # points still needed


@dataclass(frozen=True)
class MemberRewards:
    member: str
    available: int
    tier: str | None
    typical_order_points: int
    affordable: list[RewardView]
    one_purchase_away: list[Reachable]


def rewards(
    uow: RedemptionWork, clock: Clock, rulebooks: Rulebooks, program: Program
) -> list[RewardView]:
    now = clock.now()
    with uow:
        rules = rulebooks.current(uow, program)
        levels = uow.redemptions.stock(program.id)
        return [_view(r, levels.get(r.code), now) for r in rules.redemption.catalogue]


def reward_names(
    uow: RedemptionWork, rulebooks: Rulebooks, program: Program
) -> dict[str, dict[str, str]]:
    """Each reward's names by language, from the current rules alone (no stock read)."""
    with uow:
        rules = rulebooks.current(uow, program)
    return {r.code: dict(r.name) for r in rules.redemption.catalogue}


def member_rewards(
    uow: RedemptionWork, clock: Clock, rulebooks: Rulebooks, program: Program, member_ref: str
) -> MemberRewards:
    now = clock.now()
    with uow:
        rules = rulebooks.current(uow, program)
        member = uow.members.get(program.id, member_ref)
        if member is None:
            raise MemberNotFound(member_ref)
        levels = uow.redemptions.stock(program.id)
        tier = rules.tiers.effective(member.tiering, now).code if rules.tiers.levels else None
        typical = _typical_points(rules, program, member, tier)
        available = as_settled(uow, program, member, now).balances.available
        affordable, near = [], []
        for reward in rules.redemption.catalogue:
            view = _view(reward, levels.get(reward.code), now)
            if not _open_to(reward, view, tier, now):
                continue
            missing = reward.points - available
            if missing <= 0:
                affordable.append(view)
            elif missing <= typical:
                near.append(Reachable(view, missing))
        return MemberRewards(member_ref, available, tier, typical, affordable, near)


def _open_to(reward: Reward, view: RewardView, tier: str | None, now: datetime) -> bool:
    if view.remaining is not None and view.remaining <= 0:
        return False
    try:
        reward.check(now, tier)
    except JifenError:
        return False
    return True


def _typical_points(
    rules: ProgramDefinition, program: Program, member: Member, tier: str | None
) -> int:
    base = rules.earning.base
    if member.orders_count:
        spend = member.spend_total // member.orders_count
    else:
        spend = 100 * 10 ** exponent(program.currency)
    points = spend * base.points // base.per
    found = rules.earning.tiers.get(tier) if tier else None
    return int(points * found.multiplier) if found else points


def _view(reward: Reward, level: StockLevel | None, now: datetime) -> RewardView:
    if reward.stock is None:
        remaining = None
    elif level is None:
        remaining = reward.stock
    else:  # counted from another version of the file: the next redemption moves it so
        remaining = level.remaining_for(reward.stock)
    terms = reward.voucher
    return RewardView(
        code=reward.code,
        kind=reward.kind.value,
        name=dict(reward.name),
        description=dict(reward.description),
        points=reward.points,
        cash=reward.cash,
        category=reward.category,
        image_url=reward.image_url,
        stock=reward.stock,
        remaining=remaining,
        starts=reward.starts,
        ends=reward.ends,
        available_now=reward.available_at(now),
        tiers=sorted(reward.tiers),
        limits=[{"per": lim.per.value, "max_times": lim.max_times} for lim in reward.limits],
        voucher=None
        if terms is None
        else {
            "valid_days": terms.valid_days,
            "face_value": terms.face_value,
            "min_spend": terms.min_spend,
        },
    )

"""From the file's ``redemption`` section to the catalogue and the cash offset."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from jifen.adapters.programfile.build import Path, SpecError, local_time, money, unique
from jifen.adapters.programfile.schema import (
    CashOffsetSpec,
    CauseSpec,
    LimitSpec,
    LotterySpec,
    PrizeSpec,
    ProgramFile,
    RewardSpec,
)
from jifen.domain.earning import Period
from jifen.domain.redemption import (
    ODDS,
    CashOffsetPolicy,
    Catalogue,
    Cause,
    Limit,
    Lottery,
    Pledge,
    Prize,
    PrizeKind,
    RedemptionPolicy,
    Reward,
    RewardKind,
    VoucherTerms,
)


def build_redemption(spec: ProgramFile) -> RedemptionPolicy:
    section = spec.redemption
    currency, tz = spec.program.currency, ZoneInfo(spec.program.timezone)
    tiers = [t.code for t in spec.tiers]
    offset = None
    if section.cash_offset is not None:
        offset = _cash_offset(section.cash_offset, currency, ("redemption", "cash_offset"))
    unique([r.code for r in section.catalogue], ("redemption", "catalogue"), "reward code")
    rewards = {
        r.code: _reward(r, currency, tz, tiers, ("redemption", "catalogue", i))
        for i, r in enumerate(section.catalogue)
    }
    unique([lot.code for lot in section.lotteries], ("redemption", "lotteries"), "lottery code")
    lotteries = {
        lot.code: _lottery(lot, rewards, tz, tiers, ("redemption", "lotteries", i))
        for i, lot in enumerate(section.lotteries)
    }
    unique([c.code for c in section.causes], ("redemption", "causes"), "cause code")
    causes = {
        c.code: _cause(c, currency, tz, ("redemption", "causes", i))
        for i, c in enumerate(section.causes)
    }
    return RedemptionPolicy(
        offset, Catalogue(rewards), section.cancel_days, lotteries=lotteries, causes=causes
    )


def _cash_offset(c: CashOffsetSpec, currency: str, path: Path) -> CashOffsetPolicy:
    value = money(c.value, currency, (*path, "value"))
    if value < 1:
        raise SpecError((*path, "value"), "the points must be worth something")
    step = money(c.step, currency, (*path, "step")) if c.step else 1
    if step < 1:
        raise SpecError((*path, "step"), "the step is at least one minor unit")
    return CashOffsetPolicy(
        points=c.points,
        value=value,
        min_order=money(c.min_order, currency, (*path, "min_order")),
        max_share=c.max_share,
        step=step,
    )


def _reward(r: RewardSpec, currency: str, tz: ZoneInfo, tiers: list[str], path: Path) -> Reward:
    starts, ends = _window(r.starts, r.ends, tz, path)
    allowed = _tiers_from(r.min_tier, tiers, path)
    voucher = None
    if r.voucher is not None:
        v = r.voucher
        voucher = VoucherTerms(
            v.valid_days,
            money(v.face_value, currency, (*path, "voucher", "face_value")),
            money(v.min_spend, currency, (*path, "voucher", "min_spend")),
        )
    return Reward(
        code=r.code,
        kind=RewardKind(r.kind),
        name=dict(r.name),
        description=dict(r.description),
        points=r.points,
        cash=money(r.cash, currency, (*path, "cash")),
        cost=money(r.cost, currency, (*path, "cost")),
        value=money(r.value, currency, (*path, "value")) if r.value is not None else None,
        category=r.category,
        image_url=r.image_url,
        stock=r.stock,
        starts=starts,
        ends=ends,
        tiers=allowed,
        limits=_limits(r.limits, path),
        voucher=voucher,
    )


def _lottery(
    spec: LotterySpec, rewards: dict[str, Reward], tz: ZoneInfo, tiers: list[str], path: Path
) -> Lottery:
    starts, ends = _window(spec.starts, spec.ends, tz, path)
    unique([p.code for p in spec.prizes], (*path, "prizes"), "prize code")
    codes = {p.code for p in spec.prizes}
    prizes = []
    for i, p in enumerate(spec.prizes):
        at = (*path, "prizes", i)
        if len(f"{spec.code}/{p.code}") > 64:
            raise SpecError((*at, "code"), "lottery and prize codes are 63 characters together")
        if p.reward is not None and p.reward not in rewards:
            raise SpecError((*at, "reward"), f"no reward {p.reward!r} in the catalogue")
        if p.fallback is not None and p.fallback not in codes:
            raise SpecError((*at, "fallback"), f"no prize {p.fallback!r} in this lottery")
        prizes.append(_prize(p, at))
    total = sum(p.chance for p in prizes)
    if total > ODDS:
        raise SpecError((*path, "prizes"), f"the chances add up to {Decimal(total) / 10**4}%")
    lottery = Lottery(
        code=spec.code,
        name=dict(spec.name),
        description=dict(spec.description),
        points=spec.points,
        prizes=tuple(prizes),
        starts=starts,
        ends=ends,
        tiers=_tiers_from(spec.min_tier, tiers, path),
        limits=_limits(spec.limits, path),
    )
    for i, prize in enumerate(prizes):
        if _cycles(lottery, prize):
            raise SpecError((*path, "prizes", i, "fallback"), "fallbacks go round in a circle")
    return lottery


def _cycles(lottery: Lottery, start: Prize) -> bool:
    seen = set()
    for p in lottery.chain(start):
        if p.code in seen:
            return True
        seen.add(p.code)
    return False


def _prize(p: PrizeSpec, path: Path) -> Prize:
    chance = Decimal(p.chance.rstrip("%")) * (ODDS // 100)
    if chance <= 0:
        raise SpecError((*path, "chance"), "a prize's chance is more than 0%")
    return Prize(
        code=p.code,
        kind=PrizeKind.POINTS if p.points is not None else PrizeKind.REWARD,
        name=dict(p.name),
        chance=int(chance),
        points=p.points or 0,
        reward=p.reward,
        stock=p.stock,
        fallback=p.fallback,
    )


def _cause(c: CauseSpec, currency: str, tz: ZoneInfo, path: Path) -> Cause:
    starts, ends = _window(c.starts, c.ends, tz, path)
    pledge = None
    if c.pledge is not None:
        value = money(c.pledge.value, currency, (*path, "pledge", "value"))
        if value < 1:
            raise SpecError((*path, "pledge", "value"), "a pledge gives something")
        pledge = Pledge(c.pledge.points, value)
    return Cause(
        code=c.code,
        name=dict(c.name),
        description=dict(c.description),
        min_points=c.min_points,
        step=c.step,
        pledge=pledge,
        goal=c.goal,
        starts=starts,
        ends=ends,
    )


def _window(
    starts: datetime | None, ends: datetime | None, tz: ZoneInfo, path: Path
) -> tuple[datetime | None, datetime | None]:
    start, end = local_time(starts, tz), local_time(ends, tz)
    if start is not None and end is not None and end <= start:
        raise SpecError((*path, "ends"), "a window must end after it starts")
    return start, end


def _tiers_from(min_tier: str | None, tiers: list[str], path: Path) -> frozenset[str]:
    if min_tier is None:
        return frozenset()
    if min_tier not in tiers:
        raise SpecError((*path, "min_tier"), f"unknown tier {min_tier!r}")
    return frozenset(tiers[tiers.index(min_tier) :])


def _limits(limits: list[LimitSpec], path: Path) -> tuple[Limit, ...]:
    unique([lim.per for lim in limits], (*path, "limits"), "limit period")
    return tuple(Limit(Period(lim.per), lim.max_times) for lim in limits)

"""From the file's ``redemption`` section to the catalogue and the cash offset."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from jifen.adapters.programfile.build import Path, SpecError, local_time, money, unique
from jifen.adapters.programfile.schema import CashOffsetSpec, ProgramFile, RewardSpec
from jifen.domain.earning.rules import Period
from jifen.domain.redemption import (
    CashOffsetPolicy,
    Catalogue,
    Limit,
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
    return RedemptionPolicy(offset, Catalogue(rewards), section.cancel_days)


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
    starts, ends = local_time(r.starts, tz), local_time(r.ends, tz)
    if starts is not None and ends is not None and ends <= starts:
        raise SpecError((*path, "ends"), "a reward's window must end after it starts")
    allowed: frozenset[str] = frozenset()
    if r.min_tier is not None:
        if r.min_tier not in tiers:
            raise SpecError((*path, "min_tier"), f"unknown tier {r.min_tier!r}")
        allowed = frozenset(tiers[tiers.index(r.min_tier) :])
    unique([lim.per for lim in r.limits], (*path, "limits"), "limit period")
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
        limits=tuple(Limit(Period(lim.per), lim.max_times) for lim in r.limits),
        voucher=voucher,
    )

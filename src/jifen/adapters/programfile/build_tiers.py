"""From the file's ``tiers`` and ``tier_policy`` to the domain's tier policy."""

from __future__ import annotations

from decimal import Decimal

from jifen.adapters.programfile.build import Path, SpecError, money, unique
from jifen.adapters.programfile.schema import CriteriaSpec, ProgramFile, TierSpec
from jifen.domain.tiers import (
    AllOf,
    AnyOf,
    BirthdayGift,
    Criteria,
    Level,
    Metric,
    OnFailure,
    Review,
    ReviewPeriod,
    Threshold,
    TierPolicy,
    Window,
    WindowKind,
)


def build_tiers(spec: ProgramFile) -> TierPolicy:
    currency = spec.program.currency
    unique([t.code for t in spec.tiers], ("tiers",), "tier code")
    levels = tuple(_level(t, rank, currency, ("tiers", rank)) for rank, t in enumerate(spec.tiers))
    if levels and levels[0].qualify is not None:
        raise SpecError(("tiers", 0, "qualify"), "the first tier is the entry level: no qualify")
    p = spec.tier_policy
    return TierPolicy(
        levels=levels,
        window=Window(WindowKind(p.qualification.window), p.qualification.months),
        review=Review(
            ReviewPeriod(p.review.period),
            p.review.months,
            OnFailure(p.review.on_failure),
            p.review.grace_months,
        ),
        nudge=Decimal(p.nudge_percent) / 100,
    )


def _level(t: TierSpec, rank: int, currency: str, path: Path) -> Level:
    birthday = None
    if t.birthday is not None and (t.birthday.points or t.birthday.multiplier != 1):
        birthday = BirthdayGift(t.birthday.points, t.birthday.multiplier)
    if t.points_never_expire and t.expiry_months is not None:
        raise SpecError((*path, "expiry_months"), "points that never expire have no expiry_months")
    return Level(
        code=t.code,
        name=dict(t.name),
        rank=rank,
        qualify=_criteria(t.qualify, currency, (*path, "qualify")) if t.qualify else None,
        retain=_criteria(t.retain, currency, (*path, "retain")) if t.retain else None,
        multiplier=t.multiplier,
        birthday=birthday,
        points_never_expire=t.points_never_expire,
        expiry_months=t.expiry_months,
        perks=tuple(dict(p) for p in t.perks),
    )


def _criteria(c: CriteriaSpec, currency: str, path: Path) -> Criteria:
    parts: list[Criteria] = []
    if c.spend is not None:
        parts.append(Threshold(Metric.SPEND, money(c.spend, currency, (*path, "spend"))))
    if c.points is not None:
        parts.append(Threshold(Metric.POINTS, c.points))
    if c.orders is not None:
        parts.append(Threshold(Metric.ORDERS, c.orders))
    if c.any:
        alternatives = [_criteria(x, currency, (*path, "any", i)) for i, x in enumerate(c.any)]
        parts.append(alternatives[0] if len(alternatives) == 1 else AnyOf(tuple(alternatives)))
    parts += [_criteria(x, currency, (*path, "all", i)) for i, x in enumerate(c.all)]
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

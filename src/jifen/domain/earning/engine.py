"""Evaluating a programme's rules against an order or an activity.

Pure and deterministic: the caller passes everything the rules may look at
(the member's variables, their usage of capped rules, their streaks and the
local time), and gets an :class:`~jifen.domain.earning.award.Award` that says
which rules fired with how many points, and why the others did not.
Campaign budgets are applied afterwards by the service, which alone can see
what is left of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jifen.domain.earning.activation import activation, order_vars
from jifen.domain.earning.award import Award, AwardLine, Skip, Skipped, Usage
from jifen.domain.earning.basket import Basket
from jifen.domain.earning.failures import ConditionError
from jifen.domain.earning.multipliers import Applied, extras
from jifen.domain.earning.orders import Order
from jifen.domain.earning.periods import period_key
from jifen.domain.earning.program import EarningProgram
from jifen.domain.earning.rules import Rule, RuleKind
from jifen.domain.earning.variables import activity_vars
from jifen.domain.money import allocate, divide


@dataclass(frozen=True)
class Context:
    now: datetime  # local time in the programme's timezone
    member: Mapping[str, Any]
    tier: str | None = None
    usage: Mapping[tuple[str, str], Usage] = field(default_factory=dict)
    streaks: Mapping[str, int] = field(default_factory=dict)  # rule id -> days in a row


class _Tally:
    def __init__(self) -> None:
        self.lines: list[AwardLine] = []
        self.skipped: list[Skipped] = []
        self.usage: list[tuple[str, str, int]] = []
        self.groups: set[str] = set()

    def skip(self, rule: Rule, reason: Skip, **detail: Any) -> None:
        self.skipped.append(Skipped(rule.id, reason, detail))

    def award(self) -> Award:
        return Award(tuple(self.lines), tuple(self.skipped), tuple(self.usage))


def base_points(program: EarningProgram, basket: Basket) -> tuple[int, list[int]]:
    """Base points of the order, and their share on each line."""
    rate = program.base
    base = divide(basket.eligible * rate.points, rate.per, rate.rounding)
    return base, allocate(base, basket.weights) if basket.every else []


def evaluate_order(program: EarningProgram, order: Order, ctx: Context) -> Award:
    tally = _Tally()
    act = activation(
        member=ctx.member, now=ctx.now, order=lambda: order_vars(order, program.currency)
    )
    basket = Basket(order, program.base.basis)
    base, line_base = base_points(program, basket)
    if base:
        tally.lines.append(
            AwardLine(
                "base",
                "base",
                base,
                detail={
                    "rate": f"{program.base.points}/{program.base.per}",
                    "basis": program.base.basis,
                },
            )
        )
    applied: list[Applied] = []
    for rule in program.order_rules:
        if not _gate(program, rule, ctx, act, tally):
            continue
        if rule.kind is RuleKind.MULTIPLIER:
            scope = frozenset(basket.matching(rule.match))
            if not scope and order.lines:
                tally.skip(rule, Skip.NO_MATCHING_LINES)
                continue
            applied.append(Applied(rule.id, rule.factor, scope or frozenset({0})))
            continue
        points = _fixed_points(rule, basket, tally)
        if points:
            _grant(rule, points, ctx, tally)
    _tier_multiplier(program, ctx, order, applied)
    _multiply(program, applied, line_base or [base], ctx, tally)
    return tally.award()


def evaluate_activity(
    program: EarningProgram, kind: str, payload: Mapping[str, Any], ctx: Context
) -> Award:
    tally = _Tally()
    fields = program.activity_types.get(kind, {})
    act = activation(member=ctx.member, now=ctx.now, activity=activity_vars(kind, payload, fields))
    for rule in program.rules:
        if rule.activity != kind or not _gate(program, rule, ctx, act, tally):
            continue
        if rule.kind is RuleKind.STREAK:
            days = ctx.streaks.get(rule.id, 0)
            done = days >= rule.days and (
                days % rule.days == 0 if rule.repeat else days == rule.days
            )
            if not done:
                tally.skip(rule, Skip.STREAK_NOT_REACHED, days=days, needed=rule.days)
                continue
        if rule.kind is RuleKind.REFERRAL:
            _refer(rule, payload.get("referrer"), ctx, tally)
        elif rule.points:
            _grant(rule, rule.points, ctx, tally)
    return tally.award()


def _gate(
    program: EarningProgram, rule: Rule, ctx: Context, act: Mapping[str, Any], tally: _Tally
) -> bool:
    """Window, campaign, exclusive group and condition, in that order."""
    gate = program.gates[rule.id]
    if gate.windowed and not rule.window.contains(ctx.now):
        tally.skip(rule, Skip.OUTSIDE_WINDOW)
        return False
    if gate.campaign is not None and not gate.campaign.window.contains(ctx.now):
        tally.skip(rule, Skip.CAMPAIGN_NOT_RUNNING, campaign=gate.campaign.id)
        return False
    if rule.group is not None and rule.group in tally.groups:
        tally.skip(rule, Skip.GROUP_TAKEN, group=rule.group)
        return False
    for condition in gate.conditions:
        held = condition(act)
        if held is True:
            continue
        if type(held) is ConditionError:  # rare: only a failed condition pays for this
            tally.skip(rule, Skip.CONDITION_ERROR, **_failure(condition.source, held))
            return False
        if not held:
            tally.skip(rule, Skip.CONDITION_FALSE, condition=condition.source)
            return False
    return True


def _failure(source: str, error: ConditionError) -> dict[str, Any]:
    return {
        "condition": source,
        "error": error.error,
        "problem": error.problem,
        "explanation": error.explanation,
        "params": dict(error.params),
    }


def _fixed_points(rule: Rule, basket: Basket, tally: _Tally) -> int:
    if rule.kind is RuleKind.THRESHOLD:
        spend = basket.eligible
        if spend < rule.min_spend:
            tally.skip(rule, Skip.BELOW_THRESHOLD, spend=spend, minimum=rule.min_spend)
            return 0
        return rule.points
    if rule.kind is RuleKind.PRODUCT:
        matched = basket.matching(rule.match)
        if not matched:
            tally.skip(rule, Skip.NO_MATCHING_LINES)
            return 0
        if rule.per == "unit":
            return rule.points * basket.units(matched)
        return rule.points * (len(matched) if rule.per == "line" else 1)
    return rule.points  # a bonus


def _refer(rule: Rule, referrer: object, ctx: Context, tally: _Tally) -> None:
    """Both sides of a referral; the referrer is paid only if the member's side is
    (a capped referral pays nobody)."""
    detail = {"referrer": referrer}
    if rule.points:
        if _grant(rule, rule.points, ctx, tally) and rule.referrer_points and referrer:
            tally.lines.append(
                AwardLine(
                    rule.id,
                    rule.kind.value,
                    rule.referrer_points,
                    rule.campaign,
                    "referrer",
                    detail,
                )
            )
    elif rule.referrer_points and referrer:
        _grant(rule, rule.referrer_points, ctx, tally, beneficiary="referrer", detail=detail)


def _grant(
    rule: Rule,
    points: int,
    ctx: Context,
    tally: _Tally,
    *,
    beneficiary: str = "member",
    detail: Mapping[str, Any] | None = None,
) -> bool:
    """Award ``points`` within the rule's caps, and claim its exclusive group."""
    if not rule.caps and detail is None:
        tally.lines.append(AwardLine(rule.id, rule.kind, points, rule.campaign, beneficiary))
        if rule.group is not None:
            tally.groups.add(rule.group)
        return True
    allowed = points
    keys = []
    for cap in rule.caps:
        key = period_key(cap.per, ctx.now, rule.campaign)
        used = ctx.usage.get((rule.id, key), Usage())
        keys.append(key)
        if cap.max_times is not None and used.times >= cap.max_times:
            allowed = 0
        if cap.max_points is not None:
            allowed = min(allowed, cap.max_points - used.points)
    if allowed <= 0:
        tally.skip(rule, Skip.CAP_REACHED, wanted=points)
        return False
    shown: dict[str, Any] = dict(detail or {})
    if allowed < points:
        shown["capped_from"] = points
    tally.lines.append(
        AwardLine(rule.id, rule.kind.value, allowed, rule.campaign, beneficiary, shown)
    )
    tally.usage.extend((rule.id, key, allowed) for key in keys)
    if rule.group is not None:
        tally.groups.add(rule.group)
    return True


def _tier_multiplier(
    program: EarningProgram, ctx: Context, order: Order, applied: list[Applied]
) -> None:
    tier = program.tiers.get(ctx.tier or "")
    if tier is None:
        return
    lines = frozenset(range(len(order.lines))) or frozenset({0})
    if tier.multiplier != 1:
        applied.append(Applied(f"tier:{tier.code}", tier.multiplier, lines))
    if tier.birthday_multiplier != 1 and ctx.member.get("birthday_month"):
        applied.append(Applied(f"birthday:{tier.code}", tier.birthday_multiplier, lines))


def _multiply(
    program: EarningProgram,
    applied: list[Applied],
    line_base: list[int],
    ctx: Context,
    tally: _Tally,
) -> None:
    extra = extras(applied, line_base, program.stacking, program.base.rounding)
    for a in applied:
        rule = program.rule(a.rule_id)
        if extra[a.rule_id] <= 0:
            if rule is not None:
                tally.skip(rule, Skip.NOTHING_TO_MULTIPLY, factor=str(a.factor))
            continue
        if rule is None:  # the tier's multiplier: no caps, no group
            tally.lines.append(
                AwardLine(a.rule_id, "tier", extra[a.rule_id], detail={"factor": str(a.factor)})
            )
            continue
        _grant(rule, extra[a.rule_id], ctx, tally, detail={"factor": str(a.factor)})

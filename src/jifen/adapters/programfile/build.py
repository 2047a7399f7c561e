"""From the validated file to domain objects: rules compiled, money in minor units."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from jifen.adapters.programfile.schema import (
    RULE_ID,
    CampaignSpec,
    ExpirySpec,
    ProgramFile,
    RuleSpec,
    TaskSpec,
    WindowSpec,
)
from jifen.domain.earning import (
    ON_PURCHASE,
    ON_SIGN_UP,
    BaseRate,
    Campaign,
    Cap,
    Condition,
    EarningProgram,
    ExpiryPolicy,
    Match,
    Period,
    Rule,
    RuleKind,
    Stacking,
    TierEarning,
    Window,
)
from jifen.domain.engagement.tasks import TASK_ACTIVITY, Proof, Task, TaskKind
from jifen.domain.errors import JifenError
from jifen.domain.money import to_minor
from jifen.domain.programs import LedgerPolicy, NegativeBalancePolicy, Program

BUILTIN_ACTIVITIES: dict[str, dict[str, str]] = {
    "sign_up": {},
    "profile_completed": {},
    "survey_completed": {"survey_id": "string"},
    "social_share": {"platform": "string", "url": "string"},
    "check_in": {},
    "referral_signed_up": {"referrer": "string"},
    "referral_converted": {"referrer": "string"},
}

Compile = Callable[[str], Condition]
Path = tuple[str | int, ...]


class SpecError(Exception):
    """A value the schema accepts but the programme cannot use, at ``path``."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def build_program(spec: ProgramFile) -> Program:
    p, led = spec.program, spec.ledger
    return Program(
        id=0,
        code=p.code,
        name=dict(p.name),
        currency=p.currency,
        point_value=p.point_value,
        timezone=p.timezone,
        policy=LedgerPolicy(
            negative_balance=NegativeBalancePolicy(led.negative_balance),
            hold_ttl=timedelta(minutes=led.hold_ttl_minutes),
            max_hold_ttl=timedelta(days=led.max_hold_ttl_days),
            returned_points_grace=timedelta(days=led.returned_points_grace_days),
        ),
    )


def build_earning(spec: ProgramFile, version: int, compile_condition: Compile) -> EarningProgram:
    tz = ZoneInfo(spec.program.timezone)
    currency = spec.program.currency
    activities: dict[str, dict[str, str]] = {
        **BUILTIN_ACTIVITIES,
        **{k: dict(v) for k, v in spec.activities.items()},
    }

    for t in spec.tasks:  # a task's completion is an activity its own rule pays
        activities[TASK_ACTIVITY + t.id] = dict(TASK_PAYLOAD)
    builder = _RuleBuilder(tz, currency, activities, compile_condition)
    rules = [builder.rule(r, ("rules", i)) for i, r in enumerate(spec.rules)]
    rules += [builder.rule(_task_rule(t), ("tasks", i)) for i, t in enumerate(spec.tasks)]
    campaigns = {}
    for i, c in enumerate(spec.campaigns):
        campaigns[c.id] = builder.campaign(c, ("campaigns", i))
        rules += [
            builder.rule(r, ("campaigns", i, "rules", j), campaign=c.id)
            for j, r in enumerate(c.rules)
        ]
    unique([r.id for r in rules], ("rules",), "rule or task id")
    unique([c.id for c in spec.campaigns], ("campaigns",), "campaign id")
    order = {r.id: n for n, r in enumerate(rules)}
    base = spec.earning.base
    return EarningProgram(
        version=version,
        timezone=spec.program.timezone,
        currency=currency,
        base=BaseRate(
            base.points,
            money(base.per, currency, ("earning", "base", "per")),
            base.rounding,
            base.basis,
        ),
        stacking=Stacking(spec.earning.stacking),
        rules=tuple(sorted(rules, key=lambda r: (-r.priority, order[r.id]))),
        campaigns=campaigns,
        tiers={
            t.code: TierEarning(
                t.code,
                dict(t.name),
                t.multiplier,
                t.birthday.multiplier if t.birthday else Decimal(1),
                t.expiry_months,
                t.points_never_expire,
            )
            for t in spec.tiers
        },
        activity_types=activities,
        expiry=expiry_policy(spec.earning.expiry),
        pending_days=spec.earning.pending_days,
    )


#: what a task's completion carries: the post, review or visit it was (may be empty)
TASK_PAYLOAD = {"reference": "string"}


def _task_rule(t: TaskSpec) -> RuleSpec:
    return RuleSpec(
        id=t.id,
        kind="activity",
        name=t.name,
        points=t.points,
        activity=TASK_ACTIVITY + t.id,
        window=t.window,
        caps=t.caps,
        when=t.when,
    )


def build_tasks(spec: ProgramFile) -> dict[str, Task]:
    tasks = {}
    for i, t in enumerate(spec.tasks):
        path: Path = ("tasks", i)
        if t.proof == "webhook" and not t.sources:
            raise SpecError((*path, "sources"), "a task proven by webhook names its sources")
        if t.proof != "webhook" and t.sources:
            raise SpecError((*path, "sources"), "only a task proven by webhook has sources")
        for j, source in enumerate(t.sources):
            if not re.fullmatch(RULE_ID, source):
                raise SpecError(
                    (*path, "sources", j), "a source is lower-case letters, digits, - and _"
                )
        tasks[t.id] = Task(
            id=t.id,
            kind=TaskKind(t.kind),
            name=dict(t.name),
            how=dict(t.how),
            points=t.points,
            proof=Proof(t.proof),
            sources=frozenset(t.sources),
        )
    return tasks


class _RuleBuilder:
    def __init__(
        self,
        tz: ZoneInfo,
        currency: str,
        activities: dict[str, dict[str, str]],
        compile_condition: Compile,
    ) -> None:
        self.tz, self.currency, self.activities = tz, currency, activities
        self.compile_condition = compile_condition

    def rule(self, r: RuleSpec, path: Path, campaign: str | None = None) -> Rule:
        kind = RuleKind(r.kind)
        _check_kind(r, kind, path, self.activities)
        return Rule(
            id=r.id,
            kind=kind,
            name=dict(r.name),
            points=r.points,
            factor=r.factor if r.factor is not None else Decimal(1),
            min_spend=money(r.min_spend, self.currency, (*path, "min_spend")) if r.min_spend else 0,
            per=r.per,
            match=Match(
                frozenset(r.match.skus), frozenset(r.match.categories), frozenset(r.match.tags)
            ),
            activity=_activity(r, kind, path),
            days=r.days,
            repeat=r.repeat,
            referrer_points=r.referrer_points,
            min_paid=money(r.min_paid, self.currency, (*path, "min_paid")) if r.min_paid else 0,
            hold_days=r.hold_days,
            referrer_caps=tuple(
                Cap(Period(c.per), c.max_points, c.max_times) for c in r.referrer_caps
            ),
            when=self.condition(r.when, (*path, "when")),
            window=self.window(r.window, (*path, "window")),
            caps=tuple(Cap(Period(c.per), c.max_points, c.max_times) for c in r.caps),
            group=r.group,
            priority=r.priority,
            campaign=campaign,
        )

    def campaign(self, c: CampaignSpec, path: Path) -> Campaign:
        if c.ends <= c.starts:
            raise SpecError((*path, "ends"), "a campaign must end after it starts")
        window = Window(starts=self.local(c.starts), ends=self.local(c.ends))
        return Campaign(
            c.id, dict(c.name), window, c.budget, self.condition(c.when, (*path, "when"))
        )

    def condition(self, text: str | None, path: Path) -> Condition | None:
        if text is None:
            return None
        try:
            return self.compile_condition(text)
        except ValueError as exc:
            raise SpecError(path, str(exc)) from exc

    def window(self, w: WindowSpec, path: Path) -> Window:
        hours = None
        if w.hours:
            start, end = (time.fromisoformat(t) for t in w.hours.split("-"))
            if end <= start:
                raise SpecError((*path, "hours"), "hours must be a range such as 07:00-10:00")
            hours = (start, end)
        return Window(self.local(w.starts), self.local(w.ends), frozenset(w.weekdays), hours)

    def local(self, when: datetime | None) -> datetime | None:
        return local_time(when, self.tz)


#: what ``pays_on`` names, as the activity a referral rule pays on
PAYS_ON = {"sign_up": ON_SIGN_UP, "first_purchase": ON_PURCHASE}
REFERRER_PERIODS = frozenset({"month", "year", "lifetime"})


def _activity(r: RuleSpec, kind: RuleKind, path: Path) -> str | None:
    """The activity a rule pays on; a referral's from ``pays_on`` (by default the
    friend's first qualifying purchase)."""
    if kind is not RuleKind.REFERRAL:
        return r.activity
    on = PAYS_ON[r.pays_on or "first_purchase"]
    if r.activity is not None and r.activity not in PAYS_ON.values():
        raise SpecError((*path, "activity"), "a referral pays on sign_up or first_purchase")
    if r.activity is not None and r.pays_on is not None and r.activity != on:
        raise SpecError((*path, "pays_on"), f"pays_on {r.pays_on} disagrees with {r.activity}")
    activity = r.activity or on
    if activity == ON_SIGN_UP and (r.min_paid or r.hold_days):
        raise SpecError(
            (*path, "min_paid" if r.min_paid else "hold_days"),
            "a referral paid on sign-up has no purchase to wait for",
        )
    for n, cap in enumerate(r.referrer_caps):
        if cap.per not in REFERRER_PERIODS:
            raise SpecError(
                (*path, "referrer_caps", n, "per"),
                "a referrer's cap is per month, year or lifetime",
            )
    return activity


def _check_kind(
    r: RuleSpec, kind: RuleKind, path: Path, activities: dict[str, dict[str, str]]
) -> None:
    needs: dict[RuleKind, list[tuple[bool, str, str]]] = {
        RuleKind.MULTIPLIER: [
            (
                r.factor is not None and r.factor != 1,
                "factor",
                "a multiplier needs a factor other than 1",
            )
        ],
        RuleKind.THRESHOLD: [
            (bool(r.min_spend), "min_spend", "a threshold needs min_spend"),
            (r.points > 0, "points", "a threshold needs points"),
        ],
        RuleKind.PRODUCT: [
            (
                bool(r.match.skus or r.match.categories or r.match.tags),
                "match",
                "a product rule needs skus, categories or tags to match",
            ),
            (r.points > 0, "points", "a product rule needs points"),
        ],
        RuleKind.BONUS: [(r.points > 0, "points", "a bonus needs points")],
        RuleKind.ACTIVITY: [(r.points > 0, "points", "an activity rule needs points")],
        RuleKind.STREAK: [
            (r.days >= 2, "days", "a streak needs days >= 2"),
            (r.points > 0, "points", "a streak needs points"),
        ],
        RuleKind.REFERRAL: [
            (
                r.points > 0 or r.referrer_points > 0,
                "points",
                "a referral needs points or referrer_points",
            )
        ],
    }
    for ok, field, message in needs[kind]:
        if not ok:
            raise SpecError((*path, field), message)
    if kind is not RuleKind.REFERRAL:
        for field in ("pays_on", "min_paid", "referrer_caps"):
            if getattr(r, field):
                raise SpecError((*path, field), f"only a referral rule has {field}")
        if r.hold_days:
            raise SpecError((*path, "hold_days"), "only a referral rule has hold_days")
    if kind in (RuleKind.ACTIVITY, RuleKind.STREAK) and r.activity is None:
        raise SpecError((*path, "activity"), f"a {kind.value} rule names its activity")
    if r.activity is not None and r.activity not in activities:
        raise SpecError(
            (*path, "activity"),
            f"unknown activity type {r.activity!r}; declare it under activities:",
        )


def local_time(when: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A file's datetime, in the programme's timezone when written without one."""
    if when is None:
        return None
    return when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)


def money(text: str, currency: str, path: Path) -> int:
    try:
        return to_minor(text, currency)
    except JifenError as exc:
        raise SpecError(path, exc.detail) from exc


def unique(ids: list[str], path: Path, what: str) -> None:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise SpecError((*path, i), f"duplicate {what} {x!r}")
        seen.add(x)


def expiry_policy(spec: ExpirySpec) -> ExpiryPolicy:
    days = tuple((int(text[:2]), int(text[3:])) for text in spec.days)
    return ExpiryPolicy(spec.months, spec.round_to, days, spec.min_months)

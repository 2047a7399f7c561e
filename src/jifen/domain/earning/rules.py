"""Earning rules as the programme file declares them, ready to evaluate.

One :class:`Rule` type covers every kind; the programme-file loader checks
that each kind has the fields it needs. Conditions are compiled CEL
(:class:`Condition`), evaluated over ``order``, ``member``, ``activity`` and
``now``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol

from jifen.domain.earning.failures import ConditionError
from jifen.domain.earning.orders import OrderLine


class Condition(Protocol):
    @property
    def source(self) -> str:
        """The condition as the operator wrote it."""

    def __call__(self, activation: Mapping[str, Any]) -> bool | ConditionError:
        """True when it holds, False when not, a :class:`ConditionError` when it failed."""


class RuleKind(enum.StrEnum):
    MULTIPLIER = "multiplier"  # x factor on base points (all lines, or matching lines)
    THRESHOLD = "threshold"  # fixed points when the order's spend reaches a minimum
    PRODUCT = "product"  # fixed points for matching lines (per unit, per line, per order)
    BONUS = "bonus"  # fixed points for an order when a condition holds
    ACTIVITY = "activity"  # fixed points for a non-purchase activity
    STREAK = "streak"  # points for an activity on N consecutive days
    REFERRAL = "referral"  # points for both sides when a referred member converts


#: the activities a referral rule pays on: the friend's enrolment, or their first
#: qualifying purchase (recorded by jifen itself when the purchase is)
ON_SIGN_UP = "referral_signed_up"
ON_PURCHASE = "referral_converted"


ORDER_KINDS = frozenset({RuleKind.MULTIPLIER, RuleKind.THRESHOLD, RuleKind.PRODUCT, RuleKind.BONUS})


class Period(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    CAMPAIGN = "campaign"
    LIFETIME = "lifetime"


class Stacking(enum.StrEnum):
    """How several multipliers on the same points combine (x2 and x3 ...)."""

    ADD = "add"  # ... give x4: each adds its extra (1 + 1 + 2)
    MULTIPLY = "multiply"  # ... give x6
    MAX = "max"  # ... give x3: only the largest counts


@dataclass(frozen=True)
class Window:
    """When a rule applies, in the programme's timezone."""

    starts: datetime | None = None  # aware; inclusive
    ends: datetime | None = None  # aware; exclusive
    weekdays: frozenset[int] = frozenset()  # 1 = Monday ... 7 = Sunday; empty = every day
    hours: tuple[time, time] | None = None  # local [from, to)

    def contains(self, local: datetime) -> bool:
        if self.starts is not None and local < self.starts:
            return False
        if self.ends is not None and local >= self.ends:
            return False
        if self.weekdays and local.isoweekday() not in self.weekdays:
            return False
        if self.hours is not None:
            start, end = self.hours
            return start <= local.time() < end
        return True


@dataclass(frozen=True)
class Cap:
    per: Period
    max_points: int | None = None
    max_times: int | None = None


@dataclass(frozen=True)
class Match:
    """Which order lines a rule is about: any listed sku, category or tag."""

    skus: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        return not (self.skus or self.categories or self.tags)

    @cached_property
    def keys(self) -> tuple[tuple[str, str], ...]:
        """What the match looks up in an order's index of lines (none: every line)."""
        return (
            *(("sku", v) for v in sorted(self.skus)),
            *(("category", v) for v in sorted(self.categories)),
            *(("tag", v) for v in sorted(self.tags)),
        )

    def __call__(self, line: OrderLine) -> bool:
        if self.everything:
            return True
        return (
            line.sku in self.skus
            or (line.category in self.categories)
            or bool(self.tags & line.tags)
        )


@dataclass(frozen=True)
class Rule:
    id: str
    kind: RuleKind
    name: dict[str, str] = field(default_factory=dict)
    points: int = 0
    factor: Decimal = Decimal(1)
    min_spend: int = 0  # minor units
    per: str = "order"  # product rules: unit, line or order
    match: Match = Match()
    activity: str | None = None
    days: int = 0  # streak length
    repeat: bool = True  # streaks: again every `days` days
    referrer_points: int = 0
    min_paid: int = 0  # referral on a purchase: the least it pays (minor units)
    hold_days: int = 0  # referral on a purchase: its points pending for the return window
    referrer_caps: tuple[Cap, ...] = ()  # referral: per referrer (month, year, lifetime)
    when: Condition | None = None
    window: Window = Window()
    caps: tuple[Cap, ...] = ()
    group: str | None = None  # rules in a group are exclusive: the highest priority wins
    priority: int = 0
    campaign: str | None = None


@dataclass(frozen=True)
class Campaign:
    id: str
    name: dict[str, str]
    window: Window
    budget: int | None  # total points; never overspent
    when: Condition | None = None


@dataclass(frozen=True)
class BaseRate:
    """``points`` for every ``per`` minor units (1 point per 100 fen = 1 point per yuan)."""

    points: int = 1
    per: int = 100
    rounding: str = "floor"
    basis: str = "paid"  # "paid": money actually paid; "gross": list prices before discounts


@dataclass(frozen=True)
class TierEarning:
    """What a tier changes in earning: its multiplier, its birthday month, its expiry."""

    code: str
    name: dict[str, str]
    multiplier: Decimal = Decimal(1)
    birthday_multiplier: Decimal = Decimal(1)  # on orders in the member's birthday month
    expiry_months: int | None = None  # points earned in the tier last this long instead
    never_expire: bool = False

"""A programme version's earning side, compiled and ready to evaluate."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from jifen.domain.earning.rules import (
    BaseRate,
    Campaign,
    Condition,
    Rule,
    Stacking,
    TierEarning,
    Window,
)


@dataclass(frozen=True)
class ExpiryPolicy:
    """Points expire ``months`` after they are earned, optionally at the end of
    that month, quarter or year, in the programme's timezone; None: never."""

    months: int | None = None
    round_to: str | None = None  # "month", "quarter", "year"

    def expires_at(self, earned: datetime, tz: ZoneInfo) -> datetime | None:
        if self.months is None:
            return None
        local = earned.astimezone(tz)
        month_index = local.year * 12 + (local.month - 1) + self.months
        year, month = divmod(month_index, 12)
        month += 1
        if self.round_to is None:
            day = min(local.day, _days_in(year, month))
            return local.replace(year=year, month=month, day=day)
        last_month = {"month": month, "quarter": ((month - 1) // 3 + 1) * 3, "year": 12}[
            self.round_to
        ]
        # the first instant after the period: midnight starting the next month
        next_year, next_month = (year + 1, 1) if last_month == 12 else (year, last_month + 1)
        return datetime(next_year, next_month, 1, tzinfo=tz)


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@dataclass(frozen=True)
class Gate:
    """What must hold before a rule is looked at, worked out once per version."""

    windowed: bool  # False: the rule's own window is always open
    campaign: Campaign | None
    conditions: tuple[Condition, ...]  # the campaign's, then the rule's


@dataclass(frozen=True)
class EarningProgram:
    version: int
    timezone: str
    currency: str
    base: BaseRate = field(default_factory=BaseRate)
    stacking: Stacking = Stacking.ADD
    rules: tuple[Rule, ...] = ()  # highest priority first, then file order
    campaigns: Mapping[str, Campaign] = field(default_factory=dict)
    tiers: Mapping[str, TierEarning] = field(default_factory=dict)
    activity_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    expiry: ExpiryPolicy = ExpiryPolicy()
    pending_days: int = 0

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def gates(self) -> dict[str, Gate]:
        gates = {}
        for rule in self.rules:
            campaign = self.campaigns.get(rule.campaign) if rule.campaign else None
            conditions = tuple(
                c for c in (campaign.when if campaign else None, rule.when) if c is not None
            )
            gates[rule.id] = Gate(rule.window != Window(), campaign, conditions)
        return gates

    @cached_property
    def _by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def rule(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)

    def expires_at(self, earned: datetime, tier: str | None = None) -> datetime | None:
        """When points earned at ``earned`` by a member of ``tier`` expire (None: never)."""
        t = self.tiers.get(tier or "")
        if t is not None and t.never_expire:
            return None
        if t is not None and t.expiry_months is not None:
            return ExpiryPolicy(t.expiry_months, self.expiry.round_to).expires_at(earned, self.tz)
        return self.expiry.expires_at(earned, self.tz)

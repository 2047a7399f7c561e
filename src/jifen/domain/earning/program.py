"""A programme version's earning side, compiled and ready to evaluate."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from jifen.domain.days import start_of
from jifen.domain.earning.rules import (
    ON_PURCHASE,
    ORDER_KINDS,
    BaseRate,
    Campaign,
    Condition,
    Rule,
    RuleKind,
    Stacking,
    TierEarning,
    Window,
)


@dataclass(frozen=True)
class ExpiryPolicy:
    """When points expire, judged in the programme's timezone. One of:

    - ``months`` after they are earned, to the same local time of day (the last
      day of a shorter month; a wall time a DST jump skips is read as the clocks
      read it after the jump), or rounded to the end of that month, quarter or
      year (``round_to``);
    - fixed ``days`` of the year, (month, day) such as (12, 31): the end of the
      first such day at least ``min_months`` after the points were earned;
    - neither: never.

    "The end of a day" is the first instant of the next local day, the instant
    the nightly pipeline's cut-off for that day falls on (:mod:`jifen.domain.nightly`).
    """

    months: int | None = None
    round_to: str | None = None  # "month", "quarter", "year"
    days: tuple[tuple[int, int], ...] = ()  # (month, day): days of the year points end on
    min_months: int = 0  # with ``days``: points live at least this long

    def expires_at(self, earned: datetime, tz: ZoneInfo) -> datetime | None:
        """The instant (in UTC) points earned at ``earned`` expire; None: never."""
        local = earned.astimezone(tz)
        if self.days:
            return self._fixed(local, tz).astimezone(UTC)
        if self.months is None:
            return None
        year, month = _plus_months(local.year, local.month, self.months)
        if self.round_to is None:
            day = min(local.day, _days_in(year, month))
            # a wall time in a DST gap or overlap: its offset is the one before the change
            return local.replace(year=year, month=month, day=day).astimezone(UTC)
        last_month = {"month": month, "quarter": ((month - 1) // 3 + 1) * 3, "year": 12}[
            self.round_to
        ]
        # the first instant after the period: midnight starting the next month
        next_year, next_month = _plus_months(year, last_month, 1)
        return start_of(date(next_year, next_month, 1), tz).astimezone(UTC)

    def _fixed(self, local: datetime, tz: ZoneInfo) -> datetime:
        year, month = _plus_months(local.year, local.month, self.min_months)
        at_least = local.replace(year=year, month=month, day=min(local.day, _days_in(year, month)))
        for y in (at_least.year, at_least.year + 1):
            for m, d in sorted(self.days):
                end = start_of(date(y, m, d) + timedelta(days=1), tz)
                if end > at_least:
                    return end
        raise AssertionError("a day of the year comes round within two years")  # pragma: no cover

    @property
    def never(self) -> bool:
        """Points under this policy never expire."""
        return not self.days and self.months is None

    def latest_on(self, day: date, tz: ZoneInfo) -> datetime | None:
        """The latest instant (UTC) points earned on local ``day`` can expire; None: never.

        Exact where the end is rounded or falls on a fixed day (every point earned on
        ``day`` ends together); to the day for ``months`` to the time of day: the end
        of the day they fall on."""
        if self.never or self.days or self.round_to is not None:
            return self.expires_at(start_of(day, tz), tz)
        assert self.months is not None
        year, month = _plus_months(day.year, day.month, self.months)
        last = date(year, month, min(day.day, _days_in(year, month)))
        return start_of(last + timedelta(days=1), tz).astimezone(UTC)

    def longer(self, months: int) -> ExpiryPolicy:
        """The same policy for points that live ``months`` (a tier's ``expiry_months``)."""
        if self.days:
            return replace(self, min_months=months)
        return replace(self, months=months)


def _plus_months(year: int, month: int, months: int) -> tuple[int, int]:
    y, m = divmod(year * 12 + (month - 1) + months, 12)
    return y, m + 1


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
    def order_rules(self) -> tuple[Rule, ...]:
        """The rules an order can fire, in evaluation order."""
        return tuple(r for r in self.rules if r.kind in ORDER_KINDS)

    @cached_property
    def _by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def rule(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)

    @cached_property
    def purchase_referral(self) -> Rule | None:
        """The referral rule a friend's first qualifying purchase pays, if any."""
        return next(
            (r for r in self.rules if r.kind is RuleKind.REFERRAL and r.activity == ON_PURCHASE),
            None,
        )

    def expiry_for(self, tier: str | None = None) -> ExpiryPolicy | None:
        """The expiry policy of points earned by a member of ``tier`` (None: never)."""
        t = self.tiers.get(tier or "")
        if t is not None and t.never_expire:
            return None
        if t is not None and t.expiry_months is not None:
            return self.expiry.longer(t.expiry_months)
        return self.expiry

    def expires_at(self, earned: datetime, tier: str | None = None) -> datetime | None:
        """When points earned at ``earned`` by a member of ``tier`` expire (None: never)."""
        policy = self.expiry_for(tier)
        return None if policy is None else policy.expires_at(earned, self.tz)

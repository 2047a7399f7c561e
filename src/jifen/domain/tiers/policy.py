"""Tier levels and the rules that move members between them.

* **Qualification** counts a member's :class:`Stats` over a window (lifetime,
  the calendar year, or the last N months, always whole months in the
  programme's timezone). When an order or activity makes the member qualify for
  a higher level, the upgrade happens at once, in the same transaction; the
  new multiplier applies from the next order.
* **Review** happens at the end of each period (1 January for a calendar year,
  or N months after the tier was reached): a member who no longer meets the
  level's ``retain`` criteria over the period moves down one level, or to the
  highest level whose criteria they still meet (``on_failure``). With
  ``grace_months`` the member is first marked at risk and reviewed again
  after the grace months, counting them too.
* After a demotion, qualification counts afresh from the month of the
  demotion; otherwise lifetime totals would give the tier straight back.
* An operator may set a **floor** with an end date: until then the member is
  at least at that level, whatever the rules say.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from jifen.domain.tiers.criteria import Criteria, Route, Stats, closeness
from jifen.domain.tiers.months import add_months


class WindowKind(enum.StrEnum):
    LIFETIME = "lifetime"
    CALENDAR_YEAR = "calendar_year"
    ROLLING = "rolling_months"


@dataclass(frozen=True)
class Window:
    """Which months count towards qualifying."""

    kind: WindowKind = WindowKind.LIFETIME
    months: int = 12  # for rolling windows

    def span(self, month: int, counted_from: int | None = None) -> tuple[int | None, int]:
        """The months ``[first, last]`` counted in ``month``; None: from the start."""
        first: int | None
        if self.kind is WindowKind.LIFETIME:
            first = None
        elif self.kind is WindowKind.CALENDAR_YEAR:
            first = (month // 100) * 100 + 1
        else:
            first = add_months(month, -(self.months - 1))
        if counted_from is not None and (first is None or counted_from > first):
            first = counted_from
        return first, month


class ReviewPeriod(enum.StrEnum):
    NONE = "none"  # a tier, once reached, is kept
    CALENDAR_YEAR = "calendar_year"  # every 1 January, over the year that ended
    ANNIVERSARY = "anniversary"  # `months` after the tier was reached, over those months


class OnFailure(enum.StrEnum):
    DOWN_ONE = "down_one"
    REQUALIFY = "requalify"


@dataclass(frozen=True)
class Review:
    period: ReviewPeriod = ReviewPeriod.NONE
    months: int = 12  # anniversary reviews
    on_failure: OnFailure = OnFailure.DOWN_ONE
    grace_months: int = 0

    @property
    def length(self) -> int:
        return 12 if self.period is ReviewPeriod.CALENDAR_YEAR else self.months

    def first_after(self, since_month: int) -> int | None:
        """The month at whose first instant a tier reached in ``since_month`` is reviewed."""
        if self.period is ReviewPeriod.NONE:
            return None
        if self.period is ReviewPeriod.CALENDAR_YEAR:
            return (since_month // 100 + 1) * 100 + 1
        return add_months(since_month, self.months)

    def window(self, review_month: int, at_risk: bool) -> tuple[int, int]:
        """The months a review judges: the period that ended (and the grace months)."""
        period_end = add_months(review_month, -self.grace_months) if at_risk else review_month
        return add_months(period_end, -self.length), add_months(review_month, -1)


@dataclass(frozen=True)
class BirthdayGift:
    """Once a year, in the birthday month: bonus points and/or a multiplier on orders."""

    points: int = 0
    multiplier: Decimal = Decimal(1)


@dataclass(frozen=True)
class Level:
    code: str
    name: Mapping[str, str]
    rank: int
    qualify: Criteria | None = None  # None: the entry level, or reached only by an operator
    retain: Criteria | None = None  # None: kept once reached
    multiplier: Decimal = Decimal(1)
    birthday: BirthdayGift | None = None
    points_never_expire: bool = False  # open points stop expiring while in this tier
    expiry_months: int | None = None  # points earned in this tier last this long instead
    perks: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True)
class TierState:
    """Where a member stands. ``earned`` is what the rules gave; the floor may lift it."""

    earned: str | None = None
    since: datetime | None = None
    review_month: int | None = None
    at_risk: bool = False
    floor: str | None = None
    floor_until: datetime | None = None
    counted_from: int | None = None
    nudged: str | None = None  # the tier the member was last told they are close to


class Reason(enum.StrEnum):
    QUALIFIED = "qualified"
    RETAINED = "retained"
    AT_RISK = "at_risk"
    DEMOTED = "demoted"
    FLOOR_SET = "floor_set"
    FLOOR_ENDED = "floor_ended"


@dataclass(frozen=True)
class Decision:
    state: TierState
    reason: Reason


@dataclass(frozen=True)
class Progress:
    current: Level
    next: Level | None
    routes: tuple[Route, ...]  # ways to reach `next` (each: what is missing)
    close: bool  # some route is at least (1 - nudge) complete
    review_month: int | None
    at_risk: bool
    retain_routes: tuple[Route, ...]  # what the current level still needs by its review


@dataclass(frozen=True)
class TierPolicy:
    levels: tuple[Level, ...] = ()
    window: Window = field(default_factory=Window)
    review: Review = field(default_factory=Review)
    nudge: Decimal = Decimal("0.1")  # "within 10% of the next tier"

    def __bool__(self) -> bool:
        return bool(self.levels)

    @property
    def base(self) -> Level:
        return self.levels[0]

    @cached_property
    def _by_code(self) -> dict[str, Level]:
        return {lvl.code: lvl for lvl in self.levels}

    def level(self, code: str | None) -> Level:
        """The level ``code``; the entry level for None or a code no longer declared."""
        found = self._by_code.get(code) if code is not None else None
        return found if found is not None else self.base

    def effective(self, state: TierState, now: datetime) -> Level:
        earned = self.level(state.earned)
        if state.floor is not None and state.floor_until is not None and now < state.floor_until:
            floor = self.level(state.floor)
            return floor if floor.rank > earned.rank else earned
        return earned

    def qualified(self, stats: Stats) -> Level:
        best = self.base
        for lvl in self.levels[1:]:
            if lvl.qualify is not None and lvl.qualify.met(stats):
                best = lvl
        return best

    def upgrade(self, state: TierState, stats: Stats, now: datetime, month: int) -> Decision | None:
        """An order or activity changed ``stats`` (the qualification window's)."""
        target = self.qualified(stats)
        if target.rank <= self.level(state.earned).rank:
            return None
        new = replace(
            state,
            earned=target.code,
            since=now,
            review_month=self.review.first_after(month),
            at_risk=False,
        )
        return Decision(new, Reason.QUALIFIED)

    def recover(self, state: TierState, period_stats: Stats) -> Decision | None:
        """A member at risk who meets the level's criteria again is safe until the next period."""
        if not state.at_risk or state.review_month is None:
            return None
        retain = self.level(state.earned).retain
        if retain is not None and not retain.met(period_stats):
            return None
        period_end = add_months(state.review_month, -self.review.grace_months)
        new = replace(state, at_risk=False, review_month=add_months(period_end, self.review.length))
        return Decision(new, Reason.RETAINED)

    def on_review(self, state: TierState, stats: Stats, now: datetime, month: int) -> Decision:
        """The review due in ``month``, judged on ``stats`` over :meth:`Review.window`."""
        current = self.level(state.earned)
        period_end = add_months(month, -self.review.grace_months) if state.at_risk else month
        if current.retain is None or current.retain.met(stats):
            nxt = add_months(period_end, self.review.length)
            return Decision(replace(state, review_month=nxt, at_risk=False), Reason.RETAINED)
        if self.review.grace_months and not state.at_risk:
            grace_end = add_months(month, self.review.grace_months)
            return Decision(replace(state, review_month=grace_end, at_risk=True), Reason.AT_RISK)
        target = self._after_failure(current, stats)
        new = TierState(
            earned=target.code,
            since=now,
            review_month=self.review.first_after(month) if target.rank > 0 else None,
            at_risk=False,
            floor=state.floor,
            floor_until=state.floor_until,
            counted_from=month,
        )
        return Decision(new, Reason.DEMOTED)

    def _after_failure(self, current: Level, stats: Stats) -> Level:
        if self.review.on_failure is OnFailure.DOWN_ONE or current.rank == 0:
            return self.levels[max(0, current.rank - 1)]
        for lvl in reversed(self.levels[: current.rank]):
            keep = lvl.retain or lvl.qualify
            if keep is None or keep.met(stats):
                return lvl
        return self.base

    def progress(
        self, state: TierState, now: datetime, stats: Stats, period_stats: Stats
    ) -> Progress:
        """``stats``: the qualification window's; ``period_stats``: the review period's so far."""
        current = self.effective(state, now)
        nxt = next((lvl for lvl in self.levels[current.rank + 1 :] if lvl.qualify), None)
        routes = nxt.qualify.routes(stats) if nxt is not None and nxt.qualify else ()
        close = any(r and closeness(r) >= 1 - float(self.nudge) for r in routes)
        earned = self.level(state.earned)
        retain = earned.retain.routes(period_stats) if earned.retain is not None else ()
        return Progress(current, nxt, routes, close, state.review_month, state.at_risk, retain)

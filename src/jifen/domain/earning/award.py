"""What an evaluation returns: the points, and why each rule did or did not fire."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

#: value objects are built on every evaluation: NamedTuples are immutable and cheap
NO_DETAIL: Mapping[str, Any] = MappingProxyType({})


class Skip(enum.StrEnum):
    """Why a rule did not award points."""

    OUTSIDE_WINDOW = "outside_window"
    CAMPAIGN_NOT_RUNNING = "campaign_not_running"
    CONDITION_FALSE = "condition_false"
    CONDITION_ERROR = "condition_error"  # the condition failed to evaluate: not false, broken
    NO_MATCHING_LINES = "no_matching_lines"
    BELOW_THRESHOLD = "below_threshold"
    GROUP_TAKEN = "group_taken"  # a higher-priority rule of its exclusive group fired
    CAP_REACHED = "cap_reached"
    BUDGET_EXHAUSTED = "budget_exhausted"
    STREAK_NOT_REACHED = "streak_not_reached"
    NOTHING_TO_MULTIPLY = "nothing_to_multiply"
    ALREADY_EXPIRED = "already_expired"  # recorded after the points would have expired
    REFERRER_CAPPED = "referrer_capped"  # the referrer has had all their referrals pay


class Usage(NamedTuple):
    points: int = 0
    times: int = 0


class AwardLine(NamedTuple):
    rule_id: str
    kind: str
    points: int
    campaign: str | None = None
    beneficiary: str = "member"  # or "referrer"
    detail: Mapping[str, Any] = NO_DETAIL


class Skipped(NamedTuple):
    rule_id: str
    reason: Skip
    detail: Mapping[str, Any] = NO_DETAIL


@dataclass(frozen=True)
class Award:
    lines: tuple[AwardLine, ...]
    skipped: tuple[Skipped, ...]
    #: (rule id, period key, points) to add to the member's usage once awarded
    usage: tuple[tuple[str, str, int], ...] = ()

    @property
    def condition_errors(self) -> tuple[Skipped, ...]:
        """The rules whose condition failed to evaluate (rare: a broken rule)."""
        return tuple(s for s in self.skipped if s.reason is Skip.CONDITION_ERROR)

    @property
    def total(self) -> int:
        return sum(line.points for line in self.lines if line.beneficiary == "member")

    def points_of(self, rule_id: str) -> int:
        return sum(line.points for line in self.lines if line.rule_id == rule_id)

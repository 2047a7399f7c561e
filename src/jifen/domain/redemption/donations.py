"""Points given to a named cause; the brand turns them into goods or money.

A :class:`Cause` may carry a pledge: the brand gives ``value`` (minor units)
for every ``points`` donated, so the running total can be shown in money too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import InvalidInput, RewardNotAvailable


@dataclass(frozen=True)
class Pledge:
    points: int
    value: int  # minor units the brand gives for each `points`

    def worth(self, points: int) -> int:
        """What ``points`` donated are worth, rounded down to a minor unit."""
        return points * self.value // self.points


@dataclass(frozen=True)
class Cause:
    code: str
    name: Mapping[str, str]
    description: Mapping[str, str] = field(default_factory=dict)
    min_points: int = 1  # the smallest gift
    step: int = 1  # gifts are multiples of this
    pledge: Pledge | None = None
    goal: int | None = None  # points the campaign hopes to raise, shown beside the total
    starts: datetime | None = None
    ends: datetime | None = None

    def check(self, points: int, when: datetime) -> None:
        if (self.starts is not None and when < self.starts) or (
            self.ends is not None and when >= self.ends
        ):
            raise RewardNotAvailable(
                f"cause {self.code!r} is not taking gifts now",
                code=RedemptionCode.CAUSE_NOT_OPEN,
                cause=self.code,
            )
        if points < self.min_points or points % self.step:
            raise InvalidInput(
                f"a gift to {self.code!r} is at least {self.min_points} points"
                + (f", in steps of {self.step}" if self.step > 1 else ""),
                field="points",
                min_points=self.min_points,
                step=self.step,
            )

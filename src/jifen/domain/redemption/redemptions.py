"""A redemption: points spent on a reward or on an order, and where it stands.

::

    held ---capture---> completed ---cancel---> cancelled
      |  \\
      |   +--hold ends--> expired
      +----release----> released

A *held* redemption has reserved its points (a hold) and its stock; capture
spends them, release or the hold's end gives both back. A *completed* one can
be cancelled within the programme's ``cancel_days`` unless its voucher was
used: the points go back to the lots they came from and the stock returns.
Only held and completed redemptions count toward stock and limits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jifen.domain.errors import RedemptionNotCancellable, RedemptionNotPending


class RedemptionKind(enum.StrEnum):
    REWARD = "reward"
    CASH_OFFSET = "cash_offset"
    PRIZE = "prize"  # a lottery prize: no points of its own, never cancelled


class RedemptionStatus(enum.StrEnum):
    HELD = "held"
    COMPLETED = "completed"
    RELEASED = "released"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


LIVE = frozenset({RedemptionStatus.HELD, RedemptionStatus.COMPLETED})


@dataclass(frozen=True)
class Redemption:
    id: int
    member_id: int
    kind: RedemptionKind
    reward: str | None
    quantity: int
    points: int
    cash: int  # minor units: paid on top of the points, or taken off the order
    status: RedemptionStatus
    hold_id: int | None
    entry_id: int | None
    reference: str | None
    program_version: int
    created_at: datetime
    settled_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def require_held(self) -> None:
        if self.status is not RedemptionStatus.HELD:
            raise RedemptionNotPending(
                f"redemption {self.id} is {self.status.value}, not held",
                redemption=self.id,
                status=self.status.value,
            )

    def require_cancellable(self, now: datetime, within: timedelta) -> None:
        if self.kind is RedemptionKind.PRIZE:
            raise RedemptionNotCancellable(
                f"redemption {self.id} is a lottery prize; a draw is not undone",
                redemption=self.id,
            )
        if self.status is not RedemptionStatus.COMPLETED:
            raise RedemptionNotCancellable(
                f"redemption {self.id} is {self.status.value}; only a completed one is cancelled",
                redemption=self.id,
                status=self.status.value,
            )
        done = self.settled_at or self.created_at
        if now - done > within:
            raise RedemptionNotCancellable(
                f"redemption {self.id} can be cancelled for {within.days} days after it was made",
                redemption=self.id,
                cancel_days=within.days,
            )

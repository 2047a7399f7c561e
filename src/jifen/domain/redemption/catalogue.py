"""The reward catalogue: what points buy, for whom, when, and how many.

A :class:`Reward` is goods (eggs, a 5 L bottle of oil), an experience (a
nutritionist's home visit) or a voucher (10 yuan off, issued as a code). Its
price is points, optionally plus cash (points + cash). The file declares the
initial stock; the live count is kept by the redemption service, which never
oversells. Checks that need no database are here: the window (a flash sale
starts at a time), the member's tier, and the per-member limits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jifen.domain.earning import Period, period_key
from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import NotFound, RedemptionLimitReached, RewardNotAvailable, TierTooLow


class RewardKind(enum.StrEnum):
    GOODS = "goods"
    EXPERIENCE = "experience"
    VOUCHER = "voucher"


@dataclass(frozen=True)
class Limit:
    """At most ``max_times`` redemptions of a reward per member per period."""

    per: Period
    max_times: int

    def key(self, local: datetime) -> str:
        return period_key(self.per, local)


@dataclass(frozen=True)
class VoucherTerms:
    """What a voucher reward's code is worth and for how long."""

    valid_days: int
    face_value: int = 0  # minor units off a purchase; 0 for a gift voucher
    min_spend: int = 0  # minor units a purchase must reach to use it


@dataclass(frozen=True)
class Reward:
    code: str
    kind: RewardKind
    name: Mapping[str, str]
    points: int
    cash: int = 0  # minor units paid on top of the points (points + cash)
    cost: int = 0  # what one costs the brand, minor units (for ROI)
    value: int | None = None  # what it is worth to the member, minor units
    description: Mapping[str, str] = field(default_factory=dict)
    category: str | None = None
    image_url: str | None = None
    stock: int | None = None  # initial stock; None: unlimited
    starts: datetime | None = None  # aware; a flash sale opens at `starts`
    ends: datetime | None = None  # aware; exclusive
    tiers: frozenset[str] = frozenset()  # tiers allowed; empty: every member
    limits: tuple[Limit, ...] = ()
    voucher: VoucherTerms | None = None

    def available_at(self, when: datetime) -> bool:
        if self.starts is not None and when < self.starts:
            return False
        return self.ends is None or when < self.ends

    def check(self, when: datetime, tier: str | None) -> None:
        """Refuses a redemption the reward's window or tiers do not allow."""
        if not self.available_at(when):
            raise RewardNotAvailable(
                f"reward {self.code!r} is not available now",
                reward=self.code,
                starts=self.starts.isoformat() if self.starts else None,
                ends=self.ends.isoformat() if self.ends else None,
            )
        if self.tiers and tier not in self.tiers:
            raise TierTooLow(
                f"reward {self.code!r} is for members of tiers {', '.join(sorted(self.tiers))}",
                reward=self.code,
                tiers=sorted(self.tiers),
            )

    def check_limits(self, local: datetime, used: Mapping[str, int], quantity: int = 1) -> None:
        """``used`` counts this member's redemptions of the reward by period key."""
        enforce_limits(
            self.limits, local, used, quantity, f"reward {self.code!r}", reward=self.code
        )


def enforce_limits(
    limits: tuple[Limit, ...],
    local: datetime,
    used: Mapping[str, int],
    quantity: int,
    what: str,
    **params: Any,
) -> None:
    """Refuses ``quantity`` more when a period's count would pass its limit."""
    for limit in limits:
        if used.get(limit.key(local), 0) + quantity > limit.max_times:
            detail = f"{what} can be used {limit.max_times} times per {limit.per.value}"
            shown: dict[str, Any] = {"per": limit.per.value, "max_times": limit.max_times}
            raise RedemptionLimitReached(detail, **shown, **params)


@dataclass(frozen=True)
class Catalogue:
    rewards: Mapping[str, Reward] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Reward]:
        return iter(self.rewards.values())

    def __len__(self) -> int:
        return len(self.rewards)

    def get(self, code: str) -> Reward:
        try:
            return self.rewards[code]
        except KeyError:
            raise NotFound(
                f"no reward {code!r} in the catalogue",
                code=RedemptionCode.REWARD_NOT_FOUND,
                reward=code,
            ) from None

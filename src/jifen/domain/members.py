"""Members of a programme and their cached balances."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jifen.domain.errors import MemberNotActive
from jifen.domain.tiers import TierState


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    ERASED = "erased"


@dataclass(frozen=True)
class Balances:
    """The cached balances; the ledger is the truth they summarise."""

    available: int = 0  # spendable now (negative only under the debt policy)
    pending: int = 0  # earned, not yet available
    held: int = 0  # reserved by open holds


@dataclass(frozen=True, kw_only=True)
class Member:
    id: int
    program_id: int
    external_id: str
    status: MemberStatus
    balances: Balances
    created_at: datetime
    updated_at: datetime
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    tier: str | None = None  # the tier in effect
    tiering: TierState = field(default_factory=TierState)  # how it was reached
    orders_count: int = 0
    spend_total: int = 0  # minor units, lifetime
    last_order_at: datetime | None = None
    display_name: str | None = None  # how they are shown (a greeting, a leaderboard)
    language: str | None = None  # zh-CN or en, as they chose when joining
    member_code: str | None = None  # shown at the till (engagement.codes)
    referral_code: str | None = None  # shared with friends
    referral_open: bool = False  # referred, and waiting for a purchase that pays for it
    badges: tuple[str, ...] = ()  # the badges held, sorted (challenges)
    hidden_from_boards: bool = False  # keeps off leaderboards

    @classmethod
    def newcomer(cls, program_id: int, external_id: str, now: datetime) -> Member:
        """A member who has just joined, not stored: what a preview evaluates for nobody."""
        return cls(
            id=0,
            program_id=program_id,
            external_id=external_id,
            status=MemberStatus.ACTIVE,
            balances=Balances(),
            created_at=now,
            updated_at=now,
        )

    def require_active(self) -> None:
        if self.status is not MemberStatus.ACTIVE:
            raise MemberNotActive(
                f"member {self.external_id} is {self.status.value}",
                member=self.external_id,
                status=self.status.value,
            )

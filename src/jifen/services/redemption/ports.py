"""Redemptions, the live stock of rewards, vouchers, lottery draws and gifts to causes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from jifen.domain.redemption import (
    PrizeKind,
    Redemption,
    RedemptionKind,
    RedemptionStatus,
    Voucher,
    VoucherStatus,
)
from jifen.services.ledger.ports import LedgerWork
from jifen.services.programs.ports import ProgramWork


@dataclass(frozen=True)
class StockLevel:
    reward: str
    declared: int | None
    total: int | None  # None: unlimited
    taken: int

    @property
    def remaining(self) -> int | None:
        return None if self.total is None else self.total - self.taken

    def total_for(self, declared: int) -> int:
        """The total once the file declares ``declared``: a change moves it by the difference."""
        if self.declared == declared and self.total is not None:
            return self.total
        return max((self.total or 0) + declared - (self.declared or 0), self.taken)

    def remaining_for(self, declared: int) -> int:
        """What is left once the file declares ``declared``."""
        return self.total_for(declared) - self.taken


@dataclass(frozen=True, kw_only=True)
class NewRedemption:
    member_id: int
    kind: RedemptionKind
    reward: str | None
    quantity: int
    points: int
    cash: int
    status: RedemptionStatus
    hold_id: int | None
    entry_id: int | None
    reference: str | None
    program_version: int
    detail: dict[str, Any] = field(default_factory=dict)


class Redemptions(Protocol):
    """Redemptions, the live stock of rewards, and vouchers."""

    def take_stock(
        self, program_id: int, reward: str, declared: int, quantity: int, now: datetime
    ) -> bool:
        """Take ``quantity`` if that many are left; False (and nothing taken) if not.

        The first take creates the count from the file's ``declared`` stock; a
        later file declaring a different stock moves the total by the difference.
        """

    def return_stock(self, program_id: int, reward: str, quantity: int, now: datetime) -> None: ...
    def set_remaining(
        self, program_id: int, reward: str, declared: int | None, remaining: int, now: datetime
    ) -> StockLevel:
        """An operator's count: ``remaining`` left from now on."""

    def stock(self, program_id: int) -> dict[str, StockLevel]: ...
    def stock_of(self, program_id: int, reward: str) -> StockLevel | None:
        """A reward's count as last committed, without waiting for a claim in progress."""

    def add(self, program_id: int, new: NewRedemption, now: datetime) -> Redemption: ...
    def get(self, program_id: int, redemption_id: int) -> Redemption | None: ...
    def settle(
        self,
        redemption_id: int,
        status: RedemptionStatus,
        now: datetime,
        *,
        entry_id: int | None = None,
    ) -> None:
        """Move a held or completed redemption to ``status`` (guarded: it must be live)."""

    def live_since(self, member_id: int, reward: str) -> list[tuple[datetime, int]]:
        """When the member's held and completed redemptions of ``reward`` were made, and
        how many units each took."""

    def of_member(self, member_id: int, limit: int) -> list[Redemption]: ...
    def lapsed(self, program_id: int, now: datetime, limit: int) -> list[Redemption]:
        """Held redemptions whose hold has ended by ``now``, oldest first."""

    def add_voucher(
        self,
        program_id: int,
        redemption: Redemption,
        code: str,
        face_value: int,
        min_spend: int,
        expires_at: datetime,
        now: datetime,
    ) -> Voucher | None:
        """None if ``code`` is taken (draw another)."""

    def voucher(self, program_id: int, code: str, *, lock: bool = False) -> Voucher | None: ...
    def vouchers_of_redemption(self, redemption_id: int) -> list[Voucher]: ...
    def vouchers_of_redemptions(self, redemption_ids: Sequence[int]) -> dict[int, list[Voucher]]:
        """Each redemption's vouchers, in one query."""

    def vouchers_of_member(self, member_id: int) -> list[Voucher]: ...
    def set_voucher(
        self, voucher_id: int, status: VoucherStatus, now: datetime, reference: str | None = None
    ) -> None: ...


@dataclass(frozen=True)
class NewDraw:
    member_id: int
    lottery: str
    table_version: str
    program_version: int
    roll: int
    out_of: int
    drawn: str | None
    prize: str | None
    prize_kind: PrizeKind | None
    won: int
    reward: str | None
    points: int
    entry_id: int
    prize_entry_id: int | None = None
    redemption_id: int | None = None


@dataclass(frozen=True)
class DrawRecord:
    id: int
    member_id: int
    lottery: str
    table_version: str
    program_version: int
    roll: int
    out_of: int
    drawn: str | None
    prize: str | None
    prize_kind: PrizeKind | None
    won: int
    reward: str | None
    points: int
    entry_id: int
    prize_entry_id: int | None
    redemption_id: int | None
    created_at: datetime


class Draws(Protocol):
    """Every lottery draw, as it was drawn."""

    def add(self, program_id: int, new: NewDraw, now: datetime) -> DrawRecord: ...
    def since(self, member_id: int, lottery: str) -> list[datetime]:
        """When the member drew ``lottery``: one time per draw."""

    def of_member(self, member_id: int, limit: int) -> list[DrawRecord]: ...


@dataclass(frozen=True)
class CauseTotal:
    cause: str
    points: int
    donors: int
    gifts: int


class Donations(Protocol):
    def add(
        self, program_id: int, member_id: int, cause: str, points: int, entry_id: int, now: datetime
    ) -> int: ...
    def totals(self, program_id: int) -> dict[str, CauseTotal]: ...


class RedemptionWork(LedgerWork, Protocol):
    """What spending points needs in a transaction: the ledger's, and what it was spent on."""

    redemptions: Redemptions
    draws: Draws
    donations: Donations


class CatalogueWork(RedemptionWork, ProgramWork, Protocol):
    """Editing the catalogue publishes a programme version."""

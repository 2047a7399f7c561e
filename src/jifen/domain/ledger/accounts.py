"""Drawing points from lots and giving them back.

Debits take from the lots that expire soonest (lots that never expire last),
so members lose as little as possible to expiry. Returns go the other way:
to the lot that lives longest first. A return to a lot that has expired
meanwhile becomes a fresh lot living ``returned_points_grace`` (or is
forfeited when the programme sets that to zero), so a refund never revives
points past their end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from jifen.domain.errors import InsufficientPoints, LedgerInconsistent
from jifen.domain.ledger.model import Draw, Lot, LotSource, NewLot, expiry_order
from jifen.domain.members import Member
from jifen.domain.programs import LedgerPolicy


@dataclass(frozen=True)
class Account:
    """A member with the lots that still hold points, as of one moment."""

    member: Member
    lots: tuple[Lot, ...]

    @property
    def available(self) -> int:
        return self.member.balances.available

    @property
    def debt(self) -> int:
        return max(0, -self.member.balances.available)

    def spendable(self, now: datetime, *, exclude: int | None = None) -> list[Lot]:
        lots = [lot for lot in self.lots if lot.is_spendable(now) and lot.id != exclude]
        return sorted(lots, key=expiry_order)


def draw_soonest_expiring(lots: Sequence[Lot], amount: int) -> tuple[tuple[Draw, ...], int]:
    """Take up to ``amount`` from ``lots`` in their given order.

    Returns the draws and how many points could not be found.
    """
    draws: list[Draw] = []
    left = amount
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        if take > 0:
            draws.append(Draw(lot.id, take))
            left -= take
    return tuple(draws), left


def draw_exactly(account: Account, amount: int, now: datetime) -> tuple[Draw, ...]:
    """Draw ``amount`` available points or refuse with ``insufficient_points``."""
    if account.available < amount:
        raise InsufficientPoints(
            f"{amount} points requested, {max(account.available, 0)} available",
            requested=amount,
            available=max(account.available, 0),
        )
    draws, missing = draw_soonest_expiring(account.spendable(now), amount)
    if missing:
        # The cached balance promised points the lots do not have: refuse
        # rather than guess; `jifen verify` will name the member.
        raise LedgerInconsistent(
            f"member {account.member.external_id} balance disagrees with its lots",
            member=account.member.external_id,
        )
    return draws


@dataclass(frozen=True)
class Returned:
    """Where returned points went."""

    draws: tuple[Draw, ...]  # negative draws into lots still alive
    new_lots: tuple[NewLot, ...]  # fresh lots for points whose lot expired
    repaid: int  # points that paid off a negative balance
    forfeited: int  # points whose lot expired, under a zero grace

    @property
    def to_available(self) -> int:
        return (
            sum(-d.amount for d in self.draws)
            + sum(n.amount for n in self.new_lots)
            + (self.repaid)
        )


def return_points(
    drawn: Iterable[tuple[Lot, int]],
    amount: int,
    *,
    debt: int,
    now: datetime,
    policy: LedgerPolicy,
    source_ref: str | None = None,
) -> Returned:
    """Give back ``amount`` of the points drawn from ``drawn`` (lot, net drawn).

    A negative balance is repaid first; the rest returns to the longest-lived
    lots first.
    """
    repaid = min(amount, debt)
    left = amount - repaid
    draws: list[Draw] = []
    new_lots: list[NewLot] = []
    forfeited = 0
    for lot, net in sorted(drawn, key=lambda pair: expiry_order(pair[0]), reverse=True):
        if left == 0:
            break
        give = min(net, left)
        if give <= 0:
            continue
        left -= give
        if not lot.is_expired(now):
            draws.append(Draw(lot.id, -give))
        elif policy.returned_points_grace.total_seconds() > 0:
            new_lots.append(
                NewLot(
                    amount=give,
                    available_at=now,
                    expires_at=now + policy.returned_points_grace,
                    pending=False,
                    source=LotSource.REVERSAL,
                    source_ref=source_ref,
                    parent_lot_id=lot.id,
                )
            )
        else:
            forfeited += give
    if left:
        raise LedgerInconsistent("asked to return more points than were drawn", requested=amount)
    return Returned(tuple(draws), tuple(new_lots), repaid, forfeited)

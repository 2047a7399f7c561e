"""What is due on an account by ``now``: pending points that have matured, lots at their end."""

from __future__ import annotations

from datetime import datetime

from jifen.domain.ledger.accounts import Account
from jifen.domain.ledger.model import (
    Draw,
    EntryKind,
    Lot,
    Posting,
)


def settle(account: Account, now: datetime) -> list[Posting]:
    """Mature pending lots that are due, then expire lots that are due."""
    postings: list[Posting] = []
    member_id = account.member.id
    due = [lot for lot in account.lots if lot.pending and lot.available_at <= now]
    if due:
        total = sum(lot.remaining for lot in due)
        repay_left = account.debt
        repay: list[Draw] = []
        for lot in due:
            take = min(lot.remaining, repay_left)
            if take:
                repay.append(Draw(lot.id, take))
                repay_left -= take
        postings.append(
            Posting(
                member_id=member_id,
                kind=EntryKind.MATURE,
                amount=total,
                delta_pending=-total,
                delta_available=total,
                matured_lot_ids=tuple(lot.id for lot in due),
                draws=tuple(repay),
            ),
        )
    matured = {lot.id for lot in due}
    repaid = {d.lot_id: d.amount for p in postings for d in p.draws}
    expiring: list[tuple[Lot, int, bool]] = []
    for lot in account.lots:
        left = lot.remaining - repaid.get(lot.id, 0)
        if lot.is_expired(now) and left > 0:
            expiring.append((lot, left, lot.pending and lot.id not in matured))
    if expiring:
        from_pending = sum(left for _, left, pending in expiring if pending)
        from_available = sum(left for _, left, pending in expiring if not pending)
        postings.append(
            Posting(
                member_id=member_id,
                kind=EntryKind.EXPIRE,
                amount=from_pending + from_available,
                delta_available=-from_available,
                delta_pending=-from_pending,
                draws=tuple(Draw(lot.id, left) for lot, left, _ in expiring),
            ),
        )
    return postings

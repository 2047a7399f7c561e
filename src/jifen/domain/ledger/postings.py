"""Planning postings: every ledger use case decides here, in pure Python.

Each function takes the member's :class:`Account` as of ``now`` and returns
the :class:`Posting` (or postings) to apply. Nothing here touches storage;
the store applies a posting with guarded updates so that a stale plan fails
instead of corrupting a balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from jifen.domain.errors import InvalidInput, LedgerInconsistent
from jifen.domain.ledger.accounts import Account, Returned, draw_exactly
from jifen.domain.ledger.model import (
    Draw,
    EntryKind,
    HoldTransition,
    LotSource,
    NewLot,
    Posting,
)


def credit(
    account: Account,
    amount: int,
    *,
    kind: EntryKind,
    source: LotSource,
    now: datetime,
    available_at: datetime | None = None,
    expires_at: datetime | None = None,
    rule_id: str | None = None,
    reason: str | None = None,
    actor: str | None = None,
    reference: str | None = None,
    meta: dict[str, Any] | None = None,
    version: int | None = None,
) -> Posting:
    """Credit ``amount`` as one new lot; pending when ``available_at`` is later."""
    return credit_parts(
        account,
        [(amount, rule_id)],
        kind=kind,
        source=source,
        now=now,
        available_at=available_at,
        expires_at=expires_at,
        reason=reason,
        actor=actor,
        reference=reference,
        meta=meta,
        version=version,
    )


def credit_parts(
    account: Account,
    parts: Sequence[tuple[int, str | None]],
    *,
    kind: EntryKind,
    source: LotSource,
    now: datetime,
    available_at: datetime | None = None,
    expires_at: datetime | None = None,
    reason: str | None = None,
    actor: str | None = None,
    reference: str | None = None,
    meta: dict[str, Any] | None = None,
    version: int | None = None,
    earned_at: datetime | None = None,
) -> Posting:
    """One entry, one lot per (points, rule) part, so each rule's points can be
    reversed on their own; a negative balance is repaid from the first lots.

    ``earned_at``: when the points were earned, if before ``now`` (a backdated order):
    the lots carry it as their date and the entry's meta as ``occurred_at``."""
    start = available_at or now
    if expires_at is not None and expires_at <= start:
        raise InvalidInput("expires_at must be after the points become available")
    pending = start > now
    debt = 0 if pending else account.debt
    lots = []
    for amount, rule_id in parts:
        repaid = min(amount, debt)
        debt -= repaid
        lots.append(
            NewLot(
                amount=amount,
                available_at=start,
                expires_at=expires_at,
                pending=pending,
                source=source,
                source_ref=reference,
                rule_id=rule_id,
                repaid=repaid,
                earned_at=earned_at,
            )
        )
    total = sum(amount for amount, _ in parts)
    return Posting(
        member_id=account.member.id,
        kind=kind,
        amount=total,
        delta_available=0 if pending else total,
        delta_pending=total if pending else 0,
        new_lots=tuple(lots),
        reason=reason,
        actor=actor,
        reference=reference,
        meta={**(meta or {}), **({"occurred_at": earned_at.isoformat()} if earned_at else {})},
        program_version=version,
    )


def debit(
    account: Account,
    amount: int,
    *,
    kind: EntryKind,
    now: datetime,
    reason: str | None = None,
    actor: str | None = None,
    reference: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Posting:
    """Spend ``amount`` available points, soonest-expiring lots first."""
    draws = draw_exactly(account, amount, now)
    return Posting(
        member_id=account.member.id,
        kind=kind,
        amount=amount,
        delta_available=-amount,
        draws=draws,
        reason=reason,
        actor=actor,
        reference=reference,
        meta=dict(meta or {}),
    )


def returned_posting(
    account: Account,
    back: Returned,
    *,
    kind: EntryKind,
    amount: int,
    delta_held: int = 0,
    hold_id: int | None = None,
    transition: HoldTransition | None = None,
    reverses: int | None = None,
    reason: str | None = None,
    actor: str | None = None,
) -> Posting:
    """Points drawn, given back to their lots: a hold released, a debit reversed."""
    meta: dict[str, Any] = {}
    if back.repaid:
        meta["repaid_debt"] = back.repaid
    if back.forfeited:
        meta["forfeited"] = back.forfeited
    if back.new_lots:
        meta["reissued"] = sum(lot.amount for lot in back.new_lots)
    return Posting(
        member_id=account.member.id,
        kind=kind,
        amount=amount,
        delta_available=back.to_available,
        delta_held=delta_held,
        draws=back.draws,
        new_lots=back.new_lots,
        hold_id=hold_id,
        hold_transition=transition,
        reverses_entry_id=reverses,
        reason=reason,
        actor=actor,
        meta=meta,
    )


def forfeit(account: Account, *, actor: str | None = None) -> Posting | None:
    """Every point left in the member's lots, given up (an erasure); None when there is none.

    Call on a settled account: available lots go from ``available``, pending lots from
    ``pending``. A debt (a negative balance) stays as it is: no lot holds points then.
    """
    live = [lot for lot in account.lots if lot.remaining > 0]
    if not live:
        return None
    from_available = sum(lot.remaining for lot in live if not lot.pending)
    from_pending = sum(lot.remaining for lot in live if lot.pending)
    if (
        from_available != max(account.available, 0)
        or from_pending != account.member.balances.pending
    ):
        raise LedgerInconsistent(
            f"member {account.member.external_id} balance disagrees with its lots",
            member=account.member.external_id,
        )
    return Posting(
        member_id=account.member.id,
        kind=EntryKind.FORFEIT,
        amount=from_available + from_pending,
        delta_available=-from_available,
        delta_pending=-from_pending,
        draws=tuple(Draw(lot.id, lot.remaining) for lot in live),
        actor=actor,
    )

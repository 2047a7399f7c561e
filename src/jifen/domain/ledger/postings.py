"""Planning postings: every ledger use case decides here, in pure Python.

Each function takes the member's :class:`Account` as of ``now`` and returns
the :class:`Posting` (or postings) to apply. Nothing here touches storage;
the store applies a posting with guarded updates so that a stale plan fails
instead of corrupting a balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from jifen.domain.errors import InvalidInput, RuleViolation
from jifen.domain.ledger.accounts import Account, Returned, draw_exactly, return_points
from jifen.domain.ledger.model import (
    Draw,
    EntryKind,
    Hold,
    HoldStatus,
    HoldTransition,
    Lot,
    LotSource,
    NewHold,
    NewLot,
    Posting,
)
from jifen.domain.programs import LedgerPolicy


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
            )
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
            )
        )
    return postings


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
) -> Posting:
    """One entry, one lot per (points, rule) part, so each rule's points can be
    reversed on their own; a negative balance is repaid from the first lots."""
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
        meta=dict(meta or {}),
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


def hold(
    account: Account,
    amount: int,
    *,
    ttl: timedelta,
    policy: LedgerPolicy,
    now: datetime,
    reference: str | None = None,
) -> Posting:
    """Reserve ``amount`` points: drawn from lots now, final only on capture."""
    if ttl <= timedelta(0) or ttl > policy.max_hold_ttl:
        raise InvalidInput(
            f"hold lifetime must be between 1 second and {policy.max_hold_ttl}",
            field="ttl_seconds",
        )
    draws = draw_exactly(account, amount, now)
    return Posting(
        member_id=account.member.id,
        kind=EntryKind.HOLD,
        amount=amount,
        delta_available=-amount,
        delta_held=amount,
        draws=draws,
        new_hold=NewHold(amount, now + ttl, reference),
        reference=reference,
    )


def release(
    account: Account,
    held: Hold,
    drawn: list[tuple[Lot, int]],
    *,
    amount: int | None = None,
    now: datetime,
    policy: LedgerPolicy,
    status: HoldStatus = HoldStatus.RELEASED,
    transition: HoldTransition | None = None,
) -> Posting:
    """Give a hold's points back to the lots they came from."""
    give = held.amount if amount is None else amount
    back = return_points(drawn, give, debt=account.debt, now=now, policy=policy)
    return returned_posting(
        account,
        back,
        kind=EntryKind.RELEASE,
        amount=give,
        delta_held=-give,
        hold_id=held.id,
        transition=transition or HoldTransition(held.id, status),
    )


def capture(
    account: Account,
    held: Hold,
    drawn: list[tuple[Lot, int]],
    *,
    amount: int | None,
    now: datetime,
    policy: LedgerPolicy,
    reason: str | None = None,
) -> list[Posting]:
    """Make ``amount`` of a hold final (all of it by default); release the rest."""
    require_active(held, now)
    take = held.amount if amount is None else amount
    if take > held.amount:
        raise RuleViolation(
            f"cannot capture {take} points from a hold of {held.amount}",
            code="capture_exceeds_hold",
            hold=held.id,
            held=held.amount,
        )
    transition: HoldTransition | None = HoldTransition(held.id, HoldStatus.CAPTURED, captured=take)
    postings: list[Posting] = []
    if take < held.amount:
        postings.append(
            release(
                account,
                held,
                drawn,
                amount=held.amount - take,
                now=now,
                policy=policy,
                transition=transition,
            )
        )
        transition = None
    postings.insert(
        0,
        Posting(
            member_id=account.member.id,
            kind=EntryKind.CAPTURE,
            amount=take,
            delta_held=-take,
            hold_id=held.id,
            hold_transition=transition,
            reason=reason,
            reference=held.reference,
        ),
    )
    return postings


def require_active(held: Hold, now: datetime) -> None:
    if held.status is not HoldStatus.ACTIVE:
        raise RuleViolation(
            f"hold {held.id} is {held.status.value}",
            code="hold_not_active",
            hold=held.id,
            status=held.status.value,
        )
    if held.expires_at <= now:
        raise RuleViolation(f"hold {held.id} has expired", code="hold_expired", hold=held.id)


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

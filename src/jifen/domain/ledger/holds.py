"""Two-phase spending planned: a hold placed, captured (in whole or in part) or released.

A hold's points are drawn from the lots at once, so a capture only makes the draw
final and a release gives the drawn points back to their lots.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import InvalidInput, RuleViolation
from jifen.domain.ledger.accounts import Account, draw_exactly, return_points
from jifen.domain.ledger.model import (
    EntryKind,
    Hold,
    HoldStatus,
    HoldTransition,
    Lot,
    NewHold,
    Posting,
)
from jifen.domain.ledger.postings import returned_posting
from jifen.domain.programs import LedgerPolicy


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
            code=LedgerCode.CAPTURE_EXCEEDS_HOLD,
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
            ),
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
            code=LedgerCode.HOLD_NOT_ACTIVE,
            hold=held.id,
            status=held.status.value,
        )
    if held.expires_at <= now:
        raise RuleViolation(
            f"hold {held.id} has expired",
            code=LedgerCode.HOLD_EXPIRED,
            hold=held.id,
        )

"""Exact, possibly partial, reversals of earlier entries.

*Reversing a credit* (a refund clawing back what an order earned) takes the
points from the lot that credit created first; points of that lot that have
since expired are already gone and are not taken twice; points that were
spent are clawed back from the member's other lots, soonest-expiring first,
and what is still missing follows the programme's negative-balance policy:
``allow`` leaves a debt that future earning repays, ``floor`` stops at zero
and records the shortfall.

*Reversing a debit* (a cancelled redemption) returns the points to the lots
they were drawn from, longest-lived first; see :mod:`.accounts` for lots that
expired meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import InvalidInput, ReversalExceedsOriginal
from jifen.domain.ledger.accounts import Account, draw_soonest_expiring, return_points
from jifen.domain.ledger.model import Draw, Entry, EntryKind, Lot, Posting
from jifen.domain.ledger.postings import returned_posting
from jifen.domain.programs import LedgerPolicy, NegativeBalancePolicy

CREDIT_KINDS = frozenset({EntryKind.EARN, EntryKind.ADJUST})
DEBIT_KINDS = frozenset({EntryKind.REDEEM, EntryKind.CAPTURE, EntryKind.ADJUST})


@dataclass(frozen=True)
class CreditHistory:
    """What became of the lot a credit created."""

    lot: Lot
    expired: int  # points of the lot that expired
    forgiven: int  # expired points earlier reversals already counted


def is_credit(entry: Entry) -> bool:
    return entry.kind in CREDIT_KINDS and entry.points > 0


def check_reversible(entry: Entry, amount: int, already_reversed: int) -> None:
    debit = entry.kind in DEBIT_KINDS and entry.points < 0
    if not (is_credit(entry) or debit):
        raise InvalidInput(
            f"a {entry.kind.value} entry cannot be reversed",
            code=LedgerCode.ENTRY_NOT_REVERSIBLE,
            entry=entry.id,
        )
    left = entry.amount - already_reversed
    if amount > left:
        raise ReversalExceedsOriginal(
            f"entry {entry.id} has {left} points left to reverse, {amount} requested",
            entry=entry.id,
            reversible=left,
            requested=amount,
        )


def reverse_credit(
    account: Account,
    entry: Entry,
    parts: Sequence[tuple[CreditHistory, int]],
    *,
    now: datetime,
    policy: LedgerPolicy,
    reason: str | None = None,
    actor: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Posting:
    """Take back ``amount`` of each (lot history, amount) part of a credit entry.

    From each part's own lot what is left in it; what has expired since is forgiven;
    the rest from the member's other spendable lots, soonest-expiring first, and what
    they lack becomes debt (under the ``allow`` policy) or a recorded shortfall.
    """
    taken = _from_own_lots(parts)
    own = {h.lot.id for h, _ in parts}
    spendable = [lot for lot in account.spendable(now) if lot.id not in own]
    others, shortfall = draw_soonest_expiring(spendable, taken.rest)
    clawed = taken.rest - shortfall
    out: dict[str, Any] = {
        **(meta or {}),
        "lots": taken.per_lot,
        "from_lot": taken.from_lots,
        "clawed_back": clawed,
    }
    if taken.forgiven:
        out["forgiven_expired"] = taken.forgiven
    delta_available = -clawed - (taken.from_lots + taken.delta_pending)
    allow_negative = False
    if shortfall and policy.negative_balance is NegativeBalancePolicy.ALLOW:
        delta_available -= shortfall
        allow_negative = True
        out["debt"] = shortfall
    elif shortfall:
        out["shortfall"] = shortfall
    return Posting(
        member_id=account.member.id,
        kind=EntryKind.REVERSE,
        amount=sum(amount for _, amount in parts),
        delta_available=delta_available,
        delta_pending=taken.delta_pending,
        draws=taken.draws + others,
        reverses_entry_id=entry.id,
        allow_negative=allow_negative,
        reason=reason,
        actor=actor,
        reference=entry.reference,
        meta=out,
    )


@dataclass(frozen=True)
class _Taken:
    """What a credit's own lots give back towards its reversal."""

    draws: tuple[Draw, ...]
    from_lots: int  # drawn from the credit's own lots
    rest: int  # still to take, from the member's other lots
    delta_pending: int
    per_lot: dict[str, int]  # lot id -> amount reversed against it
    forgiven: dict[str, int]  # lot id -> amount forgiven: expired since


def _from_own_lots(parts: Sequence[tuple[CreditHistory, int]]) -> _Taken:
    draws: list[Draw] = []
    from_lots = rest = delta_pending = 0
    per_lot: dict[str, int] = {}
    forgiven_by_lot: dict[str, int] = {}
    for history, amount in parts:
        lot = history.lot
        from_lot = min(amount, lot.remaining)
        forgiven = min(amount - from_lot, history.expired - history.forgiven)
        rest += amount - from_lot - forgiven
        from_lots += from_lot
        per_lot[str(lot.id)] = amount
        if forgiven:
            forgiven_by_lot[str(lot.id)] = forgiven
        if from_lot:
            draws.append(Draw(lot.id, from_lot))
            delta_pending -= from_lot if lot.pending else 0
    return _Taken(tuple(draws), from_lots, rest, delta_pending, per_lot, forgiven_by_lot)


def reverse_debit(
    account: Account,
    entry: Entry,
    drawn: list[tuple[Lot, int]],
    amount: int,
    *,
    now: datetime,
    policy: LedgerPolicy,
    reason: str | None = None,
    actor: str | None = None,
) -> Posting:
    back = return_points(
        drawn, amount, debt=account.debt, now=now, policy=policy, source_ref=entry.reference
    )
    return returned_posting(
        account,
        back,
        kind=EntryKind.REVERSE,
        amount=amount,
        hold_id=entry.hold_id,
        reverses=entry.id,
        reason=reason,
        actor=actor,
    )

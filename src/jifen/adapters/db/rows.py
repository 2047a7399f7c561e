"""Turning rows into domain objects."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from jifen.domain.ledger import Entry, EntryKind, Hold, HoldStatus, Lot, LotSource
from jifen.domain.members import Balances, Member, MemberStatus
from jifen.domain.programs import LedgerPolicy, NegativeBalancePolicy, Program
from jifen.domain.tiers import TierState

T = TypeVar("T")
CHUNK = 5000  # values bound in one statement, under SQLite's 32,766 parameters


def chunks(items: Collection[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``, in order."""
    batch = list(items)
    for i in range(0, len(batch), size):
        yield batch[i : i + size]


def member(row: Any) -> Member:
    return Member(
        id=row.id,
        program_id=row.program_id,
        external_id=row.external_id,
        status=MemberStatus(row.status),
        balances=Balances(row.available, row.pending, row.held),
        created_at=row.created_at,
        updated_at=row.updated_at,
        phone=row.phone,
        email=row.email,
        birthday=row.birthday,
        attributes=dict(row.attributes or {}),
        tier=row.tier,
        tiering=tiering(row),
        orders_count=row.orders_count,
        spend_total=row.spend_total,
        last_order_at=row.last_order_at,
        display_name=row.display_name,
        language=row.language,
        member_code=row.member_code,
        referral_code=row.referral_code,
        referral_open=bool(row.referral_open),
        badges=tuple(row.badges or ()),
        hidden_from_boards=bool(row.hidden_from_boards),
    )


def tiering(row: Any) -> TierState:
    return TierState(
        earned=row.tier_earned,
        since=row.tier_since,
        review_month=row.tier_review_month,
        at_risk=bool(row.tier_at_risk),
        floor=row.tier_floor,
        floor_until=row.tier_floor_until,
        counted_from=row.tier_counted_from,
        nudged=row.tier_nudged,
    )


def lot(row: Any) -> Lot:
    return Lot(
        id=row.id,
        member_id=row.member_id,
        amount=row.amount,
        remaining=row.remaining,
        available_at=row.available_at,
        expires_at=row.expires_at,
        pending=bool(row.pending),
        source=LotSource(row.source),
        entry_id=row.entry_id,
    )


def entry(row: Any) -> Entry:
    return Entry(
        id=row.id,
        member_id=row.member_id,
        kind=EntryKind(row.kind),
        amount=row.amount,
        delta_available=row.delta_available,
        delta_pending=row.delta_pending,
        delta_held=row.delta_held,
        created_at=row.created_at,
        reason=row.reason,
        actor=row.actor,
        reference=row.reference,
        reverses_entry_id=row.reverses_entry_id,
        hold_id=row.hold_id,
        meta=dict(row.meta or {}),
    )


def hold(row: Any) -> Hold:
    return Hold(
        id=row.id,
        member_id=row.member_id,
        amount=row.amount,
        captured=row.captured,
        status=HoldStatus(row.status),
        expires_at=row.expires_at,
        entry_id=row.entry_id,
        reference=row.reference,
        created_at=row.created_at,
    )


def policy_to_json(policy: LedgerPolicy) -> dict[str, Any]:
    return {
        "negative_balance": policy.negative_balance.value,
        "hold_ttl_seconds": int(policy.hold_ttl.total_seconds()),
        "max_hold_ttl_seconds": int(policy.max_hold_ttl.total_seconds()),
        "returned_points_grace_seconds": int(policy.returned_points_grace.total_seconds()),
    }


def program(row: Any) -> Program:
    p = row.policy
    return Program(
        id=row.id,
        code=row.code,
        name=dict(row.name),
        currency=row.currency,
        point_value=Decimal(row.point_value),
        timezone=row.timezone,
        policy=LedgerPolicy(
            negative_balance=NegativeBalancePolicy(p["negative_balance"]),
            hold_ttl=timedelta(seconds=p["hold_ttl_seconds"]),
            max_hold_ttl=timedelta(seconds=p["max_hold_ttl_seconds"]),
            returned_points_grace=timedelta(seconds=p["returned_points_grace_seconds"]),
        ),
    )

"""What the ledger's two write paths share: the guarded balance move, and a posting as rows.

Hot statements are built once: building ``.values(...)`` per call costs more than
executing it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update

from jifen.adapters.db.tables import lots, members
from jifen.domain.ledger import NewLot, Posting

# executemany, ids in the order of the rows
INSERT_LOTS = insert(lots).returning(lots.c.id, sort_by_parameter_order=True)
NO_FLOOR = -(2**62)  # an unguarded available balance (credits, or the debt policy)
MOVE_BALANCES = (
    update(members)
    .where(
        members.c.id == bindparam("b_member"),
        members.c.available + bindparam("b_da") >= bindparam("b_floor"),
        members.c.pending + bindparam("b_dp") >= 0,
        members.c.held + bindparam("b_dh") >= 0,
    )
    .values(
        available=members.c.available + bindparam("b_da"),
        pending=members.c.pending + bindparam("b_dp"),
        held=members.c.held + bindparam("b_dh"),
        updated_at=bindparam("b_now"),
    )
)

#: the move of a posting written with its hash: the member's chain head moves with it,
#: guarded by the head it was hashed against (the member row is locked; a miss is a bug)
MOVE_AND_CHAIN = (
    update(members)
    .where(
        members.c.id == bindparam("b_member"),
        members.c.available + bindparam("b_da") >= bindparam("b_floor"),
        members.c.pending + bindparam("b_dp") >= 0,
        members.c.held + bindparam("b_dh") >= 0,
        members.c.chain_head.is_not_distinct_from(bindparam("b_prev")),
    )
    .values(
        available=members.c.available + bindparam("b_da"),
        pending=members.c.pending + bindparam("b_dp"),
        held=members.c.held + bindparam("b_dh"),
        updated_at=bindparam("b_now"),
        chain_head=bindparam("b_head"),
    )
)


def entry_row(program_id: int, p: Posting, now: datetime) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "member_id": p.member_id,
        "kind": p.kind.value,
        "amount": p.amount,
        "delta_available": p.delta_available,
        "delta_pending": p.delta_pending,
        "delta_held": p.delta_held,
        "reason": p.reason,
        "actor": p.actor,
        "reference": p.reference,
        "reverses_entry_id": p.reverses_entry_id,
        "hold_id": p.hold_id,
        "program_version": p.program_version,
        "meta": p.meta,
        "created_at": now,
    }


def lot_row(
    program_id: int, member_id: int, entry_id: int, new: NewLot, now: datetime
) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "member_id": member_id,
        "entry_id": entry_id,
        "amount": new.amount,
        "remaining": new.amount - new.repaid,
        "available_at": new.available_at,
        "expires_at": new.expires_at,
        "issued_expires_at": new.expires_at,
        "pending": new.pending,
        "source": new.source.value,
        "source_ref": new.source_ref,
        "rule_id": new.rule_id,
        "parent_lot_id": new.parent_lot_id,
        "created_at": new.earned_at or now,
    }

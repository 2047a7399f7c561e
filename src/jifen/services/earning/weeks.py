"""The first purchase of a member's week, decided by the week's orders, not their arrival.

An order is its member's first of the (ISO, programme-timezone) week when no other
order of theirs placed that week comes before it: earlier ``placed_at``, or the same
and a smaller order id. One indexed read per order finds the week's first so far.

When an order arrives that comes before the week's first so far (a till that synced
late, an import), the first moves: the order that was first is judged again as not
first, on its snapshot and after its refunds, and what it would no longer earn is
taken back by one appended reversal (its campaign budgets are given back); its
snapshot then says it is not first, so later refunds judge it so. The new order
earns as first. Whatever the arrival order, the week pays one first-purchase bonus.

A refunded order, even in full, stays where it was placed: it is still the week's
first, its refunds take back its points in proportion, and no bonus moves.
"""

from __future__ import annotations

from datetime import datetime

from jifen.domain.earning import EarningProgram, Order, first_of_week, remaining_after, week_span
from jifen.domain.earning.orders import Refund
from jifen.services.earning.order_data import order_from_json
from jifen.services.earning.ports import EarningWork
from jifen.services.earning.refunds import owed, reverse_rules
from jifen.services.ledger import Book, settled
from jifen.services.rulebooks import Rulebooks
from jifen.services.tiers import count_activity

FIRST = "first_order_this_week"


def is_first(
    uow: EarningWork, earning: EarningProgram, member_id: int, order: Order
) -> tuple[bool, str | None]:
    """Whether ``order`` is the first of its member's week; and the order it takes
    that place from, if one was first until now."""
    start, end = week_span(order.placed_at.astimezone(earning.tz))
    first = uow.earning.first_in(member_id, start, end)
    if not first_of_week((order.placed_at, order.order_id), first):
        return False, None
    return True, None if first is None else first[1]


def move_first(
    uow: EarningWork, rulebooks: Rulebooks, book: Book, order_id: str, by: str, now: datetime
) -> dict[str, int]:
    """Order ``order_id`` is no longer its week's first (``by`` is): take back what that
    gave it, per rule. ``book`` is its member's, locked: its balances, points and
    entries count the reversal."""
    program = book.program
    record = uow.earning.order(program.id, order_id)
    assert record is not None, "the week's first is a recorded order"
    snap = record.snapshot
    if snap["member"].get(FIRST) is not True:
        return {}
    demoted = {**snap, "member": {**snap["member"], FIRST: False}}
    refunds = [
        Refund(r.refund_id, order_id, r.amount, tuple(r.lines))
        for r in uow.earning.refunds_of(record.pk)
    ]
    remaining = remaining_after(order_from_json(snap["order"]), refunds)
    claw, _ = owed(uow, rulebooks, program, record, remaining, demoted)
    uow.earning.replace_snapshot(record.pk, demoted)
    if not claw or record.entry_id is None:
        return {}
    mover = Book(program, book.member)
    account = settled(uow, mover, now)
    reason = f"first purchase of the week moved to order {by}"
    meta = {"order": order_id, "first_of_week_moved_to": by, "by_rule": claw}
    reverse_rules(uow, mover, account, record, claw, now, reason, meta)
    tiers = rulebooks.version(uow, program, record.version).tiers
    count_activity(uow, tiers, mover, record.placed_at, now, points=-sum(claw.values()))
    book.member = mover.member
    book.points += mover.points
    book.entry_ids.extend(mover.entry_ids)
    return claw

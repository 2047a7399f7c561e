"""The first purchase of a member's week, decided by the week's orders, not their arrival.

An order is its member's first of the (ISO, programme-timezone) week when no other
order of theirs placed that week comes before it: earlier ``placed_at``, or the same
and a smaller order id. One indexed read per order finds the week's first so far.

When an order arrives that comes before the week's first so far (a till that synced
late, an import), the first moves: the order that was first is judged again as not
first, on its snapshot and after its refunds, and what it would no longer earn is
taken back by one appended reversal (its campaign budgets are given back); its
snapshot then says it is not first, so later refunds judge it so. What it counted of
capped rules it gives up leaves the member's rule usage before the new order is judged,
so a "once a week" cap lets the new first earn the bonus, and the week's usage is what
it would be had the orders arrived in time order. The new order earns as first.
Whatever the arrival order, the week pays one first-purchase bonus.

A refunded order, even in full, stays where it was placed: it is still the week's
first, its refunds take back its points in proportion, and no bonus moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jifen.domain.earning import (
    Award,
    EarningProgram,
    Order,
    Usage,
    first_of_week,
    period_key,
    remaining_after,
    week_span,
)
from jifen.domain.earning.orders import Refund
from jifen.domain.programs import Program
from jifen.services.earning.order_data import order_from_json
from jifen.services.earning.ports import EarningWork, OrderRecord
from jifen.services.earning.refunds import granted, owed, reverse_rules
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


@dataclass(frozen=True)
class Demotion:
    """An order judged again as not its week's first: what it is to give back, per rule."""

    record: OrderRecord
    claw: dict[str, int]


def demote(
    uow: EarningWork, rulebooks: Rulebooks, program: Program, order_id: str
) -> Demotion | None:
    """Order ``order_id`` is no longer its week's first: judge it again as not first
    (its snapshot says so from now on) and free what it counted of capped rules it no
    longer earns, before the order that takes its place is judged against those caps.
    None: it was not first (nothing moves)."""
    record = uow.earning.order(program.id, order_id)
    assert record is not None, "the week's first is a recorded order"
    snap = record.snapshot
    if snap["member"].get(FIRST) is not True:
        return None
    demoted = {**snap, "member": {**snap["member"], FIRST: False}}
    refunds = [
        Refund(r.refund_id, order_id, r.amount, tuple(r.lines))
        for r in uow.earning.refunds_of(record.pk)
    ]
    remaining = remaining_after(order_from_json(snap["order"]), refunds)
    claw, again = owed(uow, rulebooks, program, record, remaining, demoted)
    uow.earning.replace_snapshot(record.pk, demoted)
    earning = rulebooks.version(uow, program, record.version).earning
    _release_usage(uow, earning, record, claw, again)
    return Demotion(record, claw)


@dataclass(frozen=True)
class Place:
    """An order's place in its week: whether it is first; the order it took that from."""

    first: bool
    moved_from: str | None = None
    demoted: Demotion | None = None  # None with moved_from: that order was not first


NOT_FIRST = Place(False)


def take_place(
    uow: EarningWork,
    rulebooks: Rulebooks,
    program: Program,
    earning: EarningProgram,
    member_id: int,
    order: Order,
) -> Place:
    """``order``'s place in its week; if it takes the first place from another order, that
    one is demoted now (``demote``), before ``order`` is judged on the caps it frees."""
    first, moved_from = is_first(uow, earning, member_id, order)
    if moved_from is None:
        return Place(first)
    return Place(first, moved_from, demote(uow, rulebooks, program, moved_from))


def _release_usage(
    uow: EarningWork,
    earning: EarningProgram,
    record: OrderRecord,
    claw: dict[str, int],
    again: Award,
) -> None:
    """Take out of the member's rule usage what ``record`` counted for the rules it gives
    back: all it counted (points and the time) of a rule it no longer earns, the points
    given back of one it still earns. Refunds leave usage alone; this does not, because
    the bonus is not gone but earned by another order, which counts it."""
    local = record.placed_at.astimezone(earning.tz)
    counted = granted(record.award)
    wanted: dict[tuple[str, str], tuple[int, int]] = {}
    for rule_id, points in claw.items():
        rule = earning.rule(rule_id)
        if rule is None:
            continue
        back = (counted[rule_id], 1) if again.points_of(rule_id) == 0 else (points, 0)
        for cap in rule.caps:
            wanted[(rule_id, period_key(cap.per, local, rule.campaign))] = back
    used = uow.earning.usage(record.member_id, list(wanted))  # never below nothing
    rows = []
    for (rule_id, period), (points, times) in wanted.items():
        u = used.get((rule_id, period), Usage())
        rows.append((rule_id, period, -min(points, u.points), -min(times, u.times)))
    uow.earning.add_usage(record.member_id, [r for r in rows if r[2] or r[3]])


def give_back(
    uow: EarningWork,
    rulebooks: Rulebooks,
    book: Book,
    demotion: Demotion | None,
    by: str,
    now: datetime,
) -> dict[str, int]:
    """Take back, per rule, what the demoted order gave up to ``by``, by one appended
    reversal (its campaign budgets are given back). ``book`` is its member's, locked: its
    balances, points and entries count the reversal. After ``by`` is credited, so the
    reversal may draw on the points it earned."""
    if demotion is None or not demotion.claw or demotion.record.entry_id is None:
        return {}
    record, claw = demotion.record, demotion.claw
    program = book.program
    mover = Book(program, book.member)
    account = settled(uow, mover, now)
    reason = f"first purchase of the week moved to order {by}"
    meta = {"order": record.order_id, "first_of_week_moved_to": by, "by_rule": claw}
    reverse_rules(uow, mover, account, record, claw, now, reason, meta)
    tiers = rulebooks.version(uow, program, record.version).tiers
    count_activity(uow, tiers, mover, record.placed_at, now, points=-sum(claw.values()))
    book.member = mover.member
    book.points += mover.points
    book.entry_ids.extend(mover.entry_ids)
    return claw

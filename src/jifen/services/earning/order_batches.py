"""Orders in batches: many orders in one transaction, each keeping its own outcome.

``record_orders_in`` records a batch as ``record_order`` records each of its orders,
in order, on a ``WriteBehind`` unit of work (see ``write_behind``): the batch's
members are locked and its order ids claimed in one statement each, and what the
orders write is written a table at a time. Orders that cannot be recorded at all (an
order id used for other details, a member unknown or blocked) are found first and
touch nothing. An import's batch and the server's grouped commits (``group_commit``)
both write this way.

``record_orders`` is the safe form: the batch at once inside a savepoint, or, if
that fails, order by order, each in its own savepoint, so that one order's refusal
never fails its neighbours. Neither commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from jifen.domain.earning import Order, week_span
from jifen.domain.errors import IdempotencyConflict, JifenError, MemberNotFound
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.earning.awards import cap_keys
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.orders import order_key, record_order_in
from jifen.services.earning.ports import EarningWork
from jifen.services.earning.views import EarnResult
from jifen.services.earning.write_behind import WriteBehind
from jifen.services.idempotency import Keyed, fingerprint, replayed
from jifen.services.ports import KeyScope, StoredResponse
from jifen.services.rulebooks import Rulebooks

#: What recording an order came to: its result, or why it was not recorded
Outcome = EarnResult | JifenError


@dataclass(frozen=True)
class CheckedOrder:
    """An order as sent (``cmd``) and as checked at the edge (``to_order``)."""

    cmd: PlaceOrder
    order: Order


def record_orders(
    uow: EarningWork,
    rulebooks: Rulebooks,
    program: Program,
    items: Sequence[CheckedOrder],
    now: datetime,
) -> list[Outcome | Exception]:
    """Each order's outcome, in order, written in the open ``uow`` (not committed).

    The batch is written at once in a savepoint; if that fails, it is undone and every
    order is written alone in a savepoint of its own, so an order that fails (an
    unexpected error included, returned as its outcome) fails alone.
    """
    try:
        with uow.savepoint():
            return list(record_orders_in(uow, rulebooks, program, items, now))
    except Exception:
        return [_alone(uow, rulebooks, program, item, now) for item in items]


def _alone(
    uow: EarningWork, rulebooks: Rulebooks, program: Program, item: CheckedOrder, now: datetime
) -> Outcome | Exception:
    try:
        with uow.savepoint():
            call = Keyed(
                program, item.cmd, order_key(item.order.order_id), now, scope=KeyScope.JIFEN
            )
            return record_order_in(uow, rulebooks, call, item.order, commit=False)
    except Exception as exc:
        return exc


def record_orders_in(
    uow: EarningWork,
    rulebooks: Rulebooks,
    program: Program,
    items: Sequence[CheckedOrder],
    now: datetime,
) -> list[Outcome]:
    """Every order of a batch, in order, as ``record_order`` would record them one by one.

    An exception means the batch is to be undone whole (the caller's savepoint)."""
    keys = [order_key(x.order.order_id) for x in items]
    prints = [fingerprint(x.cmd) for x in items]
    stored = uow.idempotency.stored_many(program.id, set(keys))
    found = uow.members.lock_many(program.id, {x.cmd.member for x in items})
    outcomes: list[Outcome | None] = []
    for item, key, sent in zip(items, keys, prints, strict=True):
        member = found.get(item.cmd.member)
        outcomes.append(_settled_early(stored.get(key), member, item, key, sent))
    todo = [i for i, x in enumerate(outcomes) if x is None]
    claims: dict[str, str] = {}
    for i in todo:
        claims.setdefault(keys[i], prints[i])
    claimed = uow.idempotency.claim_many(program.id, claims, now)
    if len(claimed) < len(claims):  # taken since they were read: by a concurrent writer
        taken = uow.idempotency.stored_many(program.id, set(claims) - claimed)
        for i in [i for i in todo if keys[i] in taken]:
            outcomes[i] = _settled_early(taken[keys[i]], None, items[i], keys[i], prints[i])
        todo = [i for i in todo if keys[i] in claimed]
    wb = WriteBehind(uow, program.id)
    wb.know_members(found)
    wb.know_keys({k: claims[k] for k in claimed})
    batch: EarningWork = wb  # mypy proves it: every repository the order path may use
    definition = rulebooks.current(batch, program)
    earning = definition.earning
    usage_keys = {
        (found[items[i].cmd.member].id, rule, period)
        for i in todo
        for rule, period in cap_keys(earning, items[i].order.placed_at.astimezone(earning.tz))
    }
    wb.know_usage(usage_keys, uow.earning.usage_of(usage_keys))
    wb.know_firsts(
        {
            (
                found[items[i].cmd.member].id,
                *week_span(items[i].order.placed_at.astimezone(earning.tz)),
            )
            for i in todo
        }
    )
    if definition.tiers:
        wb.know_months({found[items[i].cmd.member].id for i in todo})
    for i in todo:
        try:
            cmd, order = items[i].cmd, items[i].order
            call = Keyed(program, cmd, keys[i], now, prints[i], KeyScope.JIFEN)
            outcomes[i] = record_order_in(batch, rulebooks, call, order, commit=False)
        except IdempotencyConflict as exc:  # the same order id twice, for other details
            outcomes[i] = exc
    wb.flush()
    done = [x for x in outcomes if x is not None]
    assert len(done) == len(items), "every order has its outcome"
    return done


def _settled_early(
    stored: StoredResponse | None, member: Member | None, item: CheckedOrder, key: str, sent: str
) -> Outcome | None:
    """A replay, or why the order cannot be recorded; None: it is to be recorded."""
    try:
        if stored is not None:
            return replayed(stored, sent, key, EarnResult)
        if member is None:
            raise MemberNotFound(item.cmd.member)
        member.require_active()
    except JifenError as exc:  # IdempotencyConflict among them: the id, for other details
        return exc
    return None

"""The rows of an order file, for ``imports.import_orders``: one order a row.

A batch of rows is recorded as each row would be by ``POST /v1/orders``, in
order, on a ``WriteBehind`` unit of work: the batch's members are locked and
its idempotency keys claimed in one statement each, and what the orders write
is written a table at a time. Rows that cannot be recorded at all (an order id
used for other details, a member unknown or blocked) are found first and
touch nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from jifen.domain.bounds import DEFAULT_SKEW
from jifen.domain.earning import Order, week_span
from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import Conflict, IdempotencyConflict, JifenError, MemberNotFound
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.earning import (
    EarnResult,
    PlaceOrder,
    cap_keys,
    order_key,
    record_order_in,
    to_order,
)
from jifen.services.earning.ports import EarningWork
from jifen.services.idempotency import Keyed, fingerprint, replayed
from jifen.services.imports.order_records import command_from
from jifen.services.imports.ports import ImportWork
from jifen.services.imports.write_behind import WriteBehind
from jifen.services.ports import KeyScope, StoredResponse
from jifen.services.rulebooks import Rulebooks


@dataclass(frozen=True)
class CheckedOrder:
    cmd: PlaceOrder
    order: Order


@dataclass(frozen=True)
class OrderRows:
    """Each row is recorded as ``POST /v1/orders`` records it; its order id is its key."""

    rulebooks: Rulebooks
    program: Program
    skew: timedelta = DEFAULT_SKEW  # how far ahead of now a row's placed_at may be

    def start(self, uow: ImportWork) -> None:
        self.rulebooks.current(uow, self.program)  # no published rules: stop here

    def subject(self, record: object) -> str | None:
        order_id = record.get("order_id") if isinstance(record, dict) else None
        return order_id if isinstance(order_id, str) else None

    def check(self, record: object, now: datetime) -> CheckedOrder:
        cmd = command_from(record)
        return CheckedOrder(cmd, to_order(cmd, self.program.currency, now, self.skew))

    def write(self, uow: ImportWork, item: CheckedOrder, now: datetime) -> EarnResult:
        try:
            call = Keyed(
                self.program, item.cmd, order_key(item.order.order_id), now, scope=KeyScope.JIFEN
            )
            return record_order_in(uow, self.rulebooks, call, item.order, commit=False)
        except IdempotencyConflict:
            raise _reused() from None

    def write_many(
        self, uow: ImportWork, items: Sequence[CheckedOrder], now: datetime
    ) -> list[EarnResult | JifenError]:
        """Every row of a batch, in order, as ``write`` would record them one by one."""
        program = self.program
        keys = [order_key(x.order.order_id) for x in items]
        prints = [fingerprint(x.cmd) for x in items]
        stored = uow.idempotency.stored_many(program.id, set(keys))
        found = uow.members.lock_many(program.id, {x.cmd.member for x in items})
        outcomes: list[EarnResult | JifenError | None] = []
        for item, key, sent in zip(items, keys, prints, strict=True):
            member = found.get(item.cmd.member)
            outcomes.append(_settled_early(stored.get(key), member, item, key, sent))
        todo = [i for i, x in enumerate(outcomes) if x is None]
        claims: dict[str, str] = {}
        for i in todo:
            claims.setdefault(keys[i], prints[i])
        claimed = uow.idempotency.claim_many(program.id, claims, now)
        if len(claimed) < len(claims):  # taken since they were read: by a concurrent import
            taken = uow.idempotency.stored_many(program.id, set(claims) - claimed)
            for i in [i for i in todo if keys[i] in taken]:
                outcomes[i] = _settled_early(taken[keys[i]], None, items[i], keys[i], prints[i])
            todo = [i for i in todo if keys[i] in claimed]
        wb = WriteBehind(uow, program.id)
        wb.know_members(found)
        wb.know_keys({k: claims[k] for k in claimed})
        batch: EarningWork = wb  # mypy proves it: every repository the order path may use
        definition = self.rulebooks.current(batch, program)
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
                outcomes[i] = record_order_in(batch, self.rulebooks, call, order, commit=False)
            except IdempotencyConflict:  # the same order id twice in the batch
                outcomes[i] = _reused()
        wb.flush()
        done = [x for x in outcomes if x is not None]
        assert len(done) == len(items), "every row has its outcome"
        return done


def _settled_early(
    stored: StoredResponse | None, member: Member | None, item: CheckedOrder, key: str, sent: str
) -> EarnResult | JifenError | None:
    """A replay, or why the row cannot be recorded; None: it is to be recorded."""
    try:
        if stored is not None:
            return replayed(stored, sent, key, EarnResult)
        if member is None:
            raise MemberNotFound(item.cmd.member)
        member.require_active()
    except IdempotencyConflict:
        return _reused()
    except JifenError as exc:
        return exc
    return None


def _reused() -> Conflict:
    return Conflict(
        "this order id is already recorded with different details", code=EarningCode.ORDER_ID_REUSED
    )

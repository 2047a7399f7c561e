"""The rows of an order file, for ``imports.import_orders``: one order a row.

A batch of rows is recorded as ``POST /v1/orders`` records a group of orders
(``earning.order_batches``): in order, on a ``WriteBehind`` unit of work, a
table at a time. An order id used for other details is refused as
``order_id_reused``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from jifen.domain.bounds import DEFAULT_SKEW
from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import Conflict, IdempotencyConflict, JifenError
from jifen.domain.programs import Program
from jifen.services.earning import (
    CheckedOrder,
    EarnResult,
    order_key,
    record_order_in,
    record_orders_in,
    to_order,
)
from jifen.services.idempotency import Keyed
from jifen.services.imports.order_records import command_from
from jifen.services.imports.ports import ImportWork
from jifen.services.ports import KeyScope
from jifen.services.rulebooks import Rulebooks


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

    def member(self, record: object) -> str | None:
        member = record.get("member") if isinstance(record, dict) else None
        return member if isinstance(member, str) else None

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
        outcomes = record_orders_in(uow, self.rulebooks, self.program, items, now)
        return [_reused() if isinstance(x, IdempotencyConflict) else x for x in outcomes]


def _reused() -> Conflict:
    return Conflict(
        "this order id is already recorded with different details", code=EarningCode.ORDER_ID_REUSED
    )

"""The rows of an order file, for ``imports.import_orders``: one order a row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jifen.domain.earning.orders import Order
from jifen.domain.errors import Conflict, IdempotencyConflict
from jifen.domain.programs import Program
from jifen.services import orders
from jifen.services.commands import PlaceOrder
from jifen.services.import_records import command_from
from jifen.services.ports import UnitOfWork
from jifen.services.results import EarnResult
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

    def start(self, uow: UnitOfWork) -> None:
        self.rulebooks.current(uow, self.program)  # no published rules: stop here

    def subject(self, record: object) -> str | None:
        order_id = record.get("order_id") if isinstance(record, dict) else None
        return order_id if isinstance(order_id, str) else None

    def check(self, record: object, now: datetime) -> CheckedOrder:
        cmd = command_from(record)
        return CheckedOrder(cmd, orders.to_order(cmd, self.program.currency, now))

    def write(self, uow: UnitOfWork, item: CheckedOrder, now: datetime) -> EarnResult:
        try:
            return orders.record_order_in(
                uow, self.rulebooks, self.program, item.cmd, item.order, now, commit=False
            )
        except IdempotencyConflict:
            raise Conflict(
                "this order id is already recorded with different details",
                code="order_id_reused",
            ) from None

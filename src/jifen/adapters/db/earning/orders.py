"""Earning's own records: orders, refunds and activities, and each member's order counts.

:class:`SqlEarningStore` is the ``EarningStore`` port: these records, with the usage of
capped rules and streaks (``usage``), the campaign budgets (``budgets``) and who referred
whom (``referrals``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db.earning.batch_start import SqlBatchStart
from jifen.adapters.db.earning.batch_write import SqlBatchWrite
from jifen.adapters.db.earning.budgets import SqlCampaignBudgets
from jifen.adapters.db.earning.condition_errors import SqlConditionErrors
from jifen.adapters.db.earning.referrals import SqlReferrals
from jifen.adapters.db.earning.usage import SqlRuleUsage
from jifen.adapters.db.tables import activities, members, orders, refunds
from jifen.services.earning.ports import NewOrderRecord, OrderRecord, RefundRecord, Span

#: Spans per statement of ``firsts_in``: SQLite takes at most 500 terms in a compound select
FIRSTS_PER_STATEMENT = 200


def _first_order(member_id: int, start: datetime, end: datetime, *more: Any) -> Select[Any]:
    """The member's first order placed in ``[start, end)`` that counts for its week
    (``more``: columns to read beside it): one seek on ``ix_orders_member``."""
    return (
        select(*more, orders.c.placed_at, orders.c.order_id)
        .where(
            orders.c.member_id == member_id,
            orders.c.placed_at >= start,
            orders.c.placed_at < end,
            orders.c.arrived_expired.is_(False),
        )
        .order_by(orders.c.placed_at, orders.c.order_id)
        .limit(1)
    )


class SqlEarningStore(
    SqlBatchStart,
    SqlBatchWrite,
    SqlRuleUsage,
    SqlCampaignBudgets,
    SqlReferrals,
    SqlConditionErrors,
):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert

    def add_order(self, record: NewOrderRecord) -> None:
        row = {**vars(record), "refunded": 0}
        counts = {
            "b_member": record.member_id,
            "b_orders": 1,
            "b_paid": record.paid,
            "b_placed": record.placed_at,
        }
        if self.conn.dialect.name == "postgresql":  # one round trip: the count rides along
            self.conn.execute(_ADD_ORDER_COUNTED, {f"o_{k}": v for k, v in row.items()} | counts)
            return
        self.conn.execute(_COUNT_ORDERS["sqlite"], counts)
        self.conn.execute(_ADD_ORDER, row)

    def add_orders(self, rows: Sequence[NewOrderRecord]) -> None:
        if rows:
            params = [{**vars(r), "refunded": 0} for r in rows]
            self.conn.execute(_ADD_ORDER, params)

    def order(self, program_id: int, order_id: str) -> OrderRecord | None:
        r = self.conn.execute(
            select(orders).where(orders.c.program_id == program_id, orders.c.order_id == order_id)
        ).one_or_none()
        if r is None:
            return None
        return OrderRecord(
            r.id,
            r.order_id,
            r.member_id,
            r.version,
            r.placed_at,
            r.paid,
            r.refunded,
            r.entry_id,
            dict(r.snapshot),
            dict(r.award),
        )

    def first_in(
        self, member_id: int, start: datetime, end: datetime
    ) -> tuple[datetime, str] | None:
        r = self.conn.execute(_first_order(member_id, start, end)).one_or_none()
        return None if r is None else (r.placed_at, r.order_id)

    def firsts_in(self, spans: Collection[Span]) -> dict[Span, tuple[datetime, str]]:
        """One statement: a first-order seek per span on ``ix_orders_member``, as
        ``first_in`` makes, joined by UNION ALL (reading every order of the spans grew
        with the weeks' orders)."""
        if not spans:
            return {}
        ordered = list(spans)
        parts = [
            select(_first_order(member, start, end, literal(i).label("span")).subquery())
            for i, (member, start, end) in enumerate(ordered)
        ]
        found: dict[Span, tuple[datetime, str]] = {}
        for chunk in range(0, len(parts), FIRSTS_PER_STATEMENT):
            statement = union_all(*parts[chunk : chunk + FIRSTS_PER_STATEMENT])
            for r in self.conn.execute(statement):
                found[ordered[r.span]] = (r.placed_at, r.order_id)
        return found

    def replace_snapshot(self, order_pk: int, snapshot: dict[str, Any]) -> None:
        self.conn.execute(update(orders).where(orders.c.id == order_pk).values(snapshot=snapshot))

    def refunds_of(self, order_pk: int) -> list[RefundRecord]:
        result = self.conn.execute(
            select(refunds).where(refunds.c.order_pk == order_pk).order_by(refunds.c.id)
        )
        return [
            RefundRecord(r.refund_id, r.amount, [(s, q) for s, q in r.lines], r.entry_id)
            for r in result
        ]

    def add_refund(
        self, program_id: int, order_pk: int, refund: RefundRecord, now: datetime
    ) -> None:
        self.conn.execute(
            insert(refunds).values(
                program_id=program_id,
                refund_id=refund.refund_id,
                order_pk=order_pk,
                amount=refund.amount,
                lines=[list(x) for x in refund.lines],
                entry_id=refund.entry_id,
                created_at=now,
            )
        )
        self.conn.execute(
            update(orders)
            .where(orders.c.id == order_pk)
            .values(refunded=orders.c.refunded + refund.amount)
        )

    def add_activity(
        self,
        program_id: int,
        member_id: int,
        kind: str,
        payload: dict[str, Any],
        occurred_at: datetime,
        version: int,
        entry_id: int | None,
        award: dict[str, Any],
        now: datetime,
    ) -> None:
        self.conn.execute(
            insert(activities).values(
                program_id=program_id,
                member_id=member_id,
                kind=kind,
                payload=payload,
                occurred_at=occurred_at,
                version=version,
                entry_id=entry_id,
                award=award,
                created_at=now,
            )
        )

    def count_orders(self, rows: Sequence[tuple[int, int, int, datetime]]) -> None:
        if rows:
            params = [
                {"b_member": m, "b_orders": n, "b_paid": paid, "b_placed": placed}
                for m, n, paid, placed in rows
            ]
            self.conn.execute(_COUNT_ORDERS[self.conn.dialect.name], params)


def _count_orders(latest_of: Any) -> Any:
    # typed, so that SQLite stores UTC and not the wall-clock time of an offset
    placed = bindparam("b_placed", type_=members.c.last_order_at.type)
    return (
        update(members)
        .where(members.c.id == bindparam("b_member"))
        .values(
            orders_count=members.c.orders_count + bindparam("b_orders"),
            spend_total=members.c.spend_total + bindparam("b_paid"),
            last_order_at=latest_of(func.coalesce(members.c.last_order_at, placed), placed),
        )
    )


# Built once per dialect: these run for every order.
_COUNT_ORDERS = {"postgresql": _count_orders(func.greatest), "sqlite": _count_orders(func.max)}
_ADD_ORDER = insert(orders).inline()  # no RETURNING: it may go out in a pipeline


def _add_order_counted() -> Any:
    # The order's values are bound under their own names (o_...): a parameter named
    # like a column of members would otherwise be SET on the member too.
    names = [f.name for f in fields(NewOrderRecord)] + ["refunded"]
    values = {n: bindparam(f"o_{n}", type_=orders.c[n].type) for n in names}
    counted = _COUNT_ORDERS["postgresql"].cte("counted")
    # PostgreSQL runs a data-modifying WITH whether or not the INSERT reads it
    return insert(orders).values(values).add_cte(counted)


_ADD_ORDER_COUNTED = _add_order_counted()

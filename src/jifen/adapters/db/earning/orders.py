"""Earning's own records: orders, refunds and activities, and each member's order counts.

:class:`SqlEarningStore` is the ``EarningStore`` port: these records, with the usage of
capped rules and streaks (``usage``), the campaign budgets (``budgets``) and who referred
whom (``referrals``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    String,
    bindparam,
    column,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite

from jifen.adapters.db.earning.batch_start import SqlBatchStart
from jifen.adapters.db.earning.batch_write import SqlBatchWrite
from jifen.adapters.db.earning.budgets import SqlCampaignBudgets
from jifen.adapters.db.earning.condition_errors import SqlConditionErrors
from jifen.adapters.db.earning.referrals import SqlReferrals
from jifen.adapters.db.earning.usage import SqlRuleUsage
from jifen.adapters.db.engine import upsert_insert
from jifen.adapters.db.many import execute_many
from jifen.adapters.db.tables import activities, members, orders, refunds
from jifen.adapters.db.types import UTCDateTime
from jifen.services.earning.ports import NewOrderRecord, OrderRecord, RefundRecord, Span


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


# ``_first_order`` for many spans at once, each span numbered from 0 in the order given
_FIRST_OF_SPAN = """
    SELECT f.id FROM orders f
    WHERE f.member_id = {member} AND f.placed_at >= {start} AND f.placed_at < {end}
        AND f.arrived_expired IS false
    ORDER BY f.placed_at, f.order_id LIMIT 1
"""
_FIRSTS_COLUMNS = (
    column("span", Integer()),
    column("placed_at", UTCDateTime()),
    column("order_id", String()),
)
_FIRSTS = {
    "postgresql": text(
        "SELECT s.n - 1 AS span, o.placed_at, o.order_id FROM unnest("
        "CAST(:members AS bigint[]), CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[])"
        ") WITH ORDINALITY AS s(member_id, start_at, end_at, n) "
        "JOIN orders o ON o.id = ("
        + _FIRST_OF_SPAN.format(member="s.member_id", start="s.start_at", end="s.end_at")
        + ")"
    ).columns(*_FIRSTS_COLUMNS),
    "sqlite": text(
        "SELECT s.key AS span, o.placed_at, o.order_id FROM json_each(:spans) AS s "
        "JOIN orders o ON o.id = ("
        + _FIRST_OF_SPAN.format(
            member="json_extract(s.value, '$[0]')",
            start="json_extract(s.value, '$[1]')",
            end="json_extract(s.value, '$[2]')",
        ).replace("IS false", "IS 0")
        + ")"
    ).columns(*_FIRSTS_COLUMNS),
}
#: a time as SQLite's column holds it: the column type's own conversion, text
_SQLITE = sqlite.dialect()
_sqlite_time = cast(
    Callable[[datetime], str], UTCDateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)
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
        self.insert = upsert_insert(conn)

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
            execute_many(self.conn, _ADD_ORDER, params)

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
            dict(r.challenges or {}),
            r.created_at,
        )

    def first_in(
        self, member_id: int, start: datetime, end: datetime
    ) -> tuple[datetime, str] | None:
        r = self.conn.execute(_first_order(member_id, start, end)).one_or_none()
        return None if r is None else (r.placed_at, r.order_id)

    def firsts_in(self, spans: Collection[Span]) -> dict[Span, tuple[datetime, str]]:
        """One statement of one shape whatever the number of spans: each span a first-order
        seek on ``ix_orders_member`` as ``first_in`` makes (``_FIRSTS``); the spans go as
        arrays (PostgreSQL) or one JSON document (SQLite), so the statement is compiled
        once and not built, keyed and bound term by term for each batch."""
        if not spans:
            return {}
        ordered = list(spans)
        if self.conn.dialect.name == "postgresql":
            params: dict[str, Any] = {
                "members": [m for m, _, _ in ordered],
                "starts": [s for _, s, _ in ordered],
                "ends": [e for _, _, e in ordered],
            }
        else:
            at = _sqlite_time
            params = {"spans": json.dumps([[m, at(s), at(e)] for m, s, e in ordered])}
        found = self.conn.execute(_FIRSTS[self.conn.dialect.name], params)
        return {ordered[r.span]: (r.placed_at, r.order_id) for r in found}

    def set_order_challenges(self, order_pk: int, added: dict[str, Any]) -> None:
        self.conn.execute(
            update(orders).where(orders.c.id == order_pk).values(challenges=added or None)
        )

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
            execute_many(self.conn, _COUNT_ORDERS[self.conn.dialect.name], params)


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

"""Earning's own tables: rule usage (caps), streaks, campaign budgets, orders.

Campaign budgets are split over ``SHARDS`` rows so that concurrent orders in
one campaign do not all queue on one row; a shard is taken with a guarded
update (``spent + n <= budget``), so the budget is never overspent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, String, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db.rows import chunks
from jifen.adapters.db.tables import (
    activities,
    campaign_budgets,
    campaign_spend,
    member_streaks,
    members,
    orders,
    refunds,
    rule_usage,
)
from jifen.domain.earning.award import Usage
from jifen.domain.money import allocate
from jifen.services.earning.ports import NewOrderRecord, OrderRecord, RefundRecord

SHARDS = 8
_TAKE = (
    update(campaign_budgets)
    .where(
        campaign_budgets.c.program_id == bindparam("b_program"),
        campaign_budgets.c.campaign_id == bindparam("b_campaign"),
        campaign_budgets.c.shard == bindparam("b_shard"),
        campaign_budgets.c.spent + bindparam("b_points") <= campaign_budgets.c.budget,
    )
    .values(spent=campaign_budgets.c.spent + bindparam("b_points"))
)


# One member's usage of capped rules in some periods: every order asks, so the statement
# is built once (PostgreSQL takes the periods as one array, SQLite as an expanding IN).
_USAGE_OF_MEMBER = select(
    rule_usage.c.rule_id, rule_usage.c.period, rule_usage.c.points, rule_usage.c.times
).where(rule_usage.c.member_id == bindparam("b_member"))
_USAGE_ONE = {
    "postgresql": _USAGE_OF_MEMBER.where(
        rule_usage.c.period == any_(bindparam("b_periods", type_=postgresql.ARRAY(String)))
    ),
    "sqlite": _USAGE_OF_MEMBER.where(
        rule_usage.c.period.in_(bindparam("b_periods", expanding=True))
    ),
}


class SqlEarningStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert

    def usage(self, member_id: int, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Usage]:
        wanted = set(keys)
        if not wanted:
            return {}
        periods = sorted({period for _, period in wanted})
        result = self.conn.execute(
            _USAGE_ONE[self.conn.dialect.name], {"b_member": member_id, "b_periods": periods}
        )
        return {
            (r.rule_id, r.period): Usage(r.points, r.times)
            for r in result
            if (r.rule_id, r.period) in wanted
        }

    def usage_of(self, keys: Collection[tuple[int, str, str]]) -> dict[tuple[int, str, str], Usage]:
        wanted = set(keys)
        if not wanted:
            return {}
        found = {}
        members_ = {k[0] for k in wanted}
        rules = {k[1] for k in wanted}
        periods = {k[2] for k in wanted}
        for chunk in chunks(members_):
            result = self.conn.execute(
                select(rule_usage).where(
                    rule_usage.c.member_id.in_(chunk),
                    rule_usage.c.rule_id.in_(rules),
                    rule_usage.c.period.in_(periods),
                )
            )
            for r in result:
                key = (r.member_id, r.rule_id, r.period)
                if key in wanted:
                    found[key] = Usage(r.points, r.times)
        return found

    def add_usage(self, member_id: int, rows: list[tuple[str, str, int, int]]) -> None:
        self.add_usage_many([(member_id, *row) for row in rows])

    def add_usage_many(self, rows: Sequence[tuple[int, str, str, int, int]]) -> None:
        if rows:
            params = [
                {"member_id": m, "rule_id": r, "period": k, "points": p, "times": t}
                for m, r, k, p, t in rows
            ]
            self.conn.execute(_ADD_USAGE[self.conn.dialect.name], params)

    def streak(self, member_id: int, activity: str) -> tuple[date, int] | None:
        row = self.conn.execute(
            select(member_streaks).where(
                member_streaks.c.member_id == member_id, member_streaks.c.activity == activity
            )
        ).one_or_none()
        return None if row is None else (row.last_day, row.days)

    def set_streak(self, member_id: int, activity: str, day: date, days: int) -> None:
        stmt = self.insert(member_streaks).values(
            member_id=member_id, activity=activity, last_day=day, days=days
        )
        self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["member_id", "activity"], set_={"last_day": day, "days": days}
            )
        )

    def ensure_budget(self, program_id: int, campaign_id: str, budget: int) -> None:
        """Create the shards, or grow/shrink them to a new total (never below spent)."""
        shares = allocate(budget, [1] * SHARDS)
        for shard, share in enumerate(shares):
            stmt = self.insert(campaign_budgets).values(
                program_id=program_id, campaign_id=campaign_id, shard=shard, budget=share, spent=0
            )
            self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["program_id", "campaign_id", "shard"],
                    set_={
                        "budget": func.max(campaign_budgets.c.spent, share)
                        if self.conn.dialect.name == "sqlite"
                        else func.greatest(campaign_budgets.c.spent, share)
                    },
                )
            )

    def budget_left(self, program_id: int, campaign_id: str) -> int | None:
        left = self.conn.execute(
            select(func.sum(campaign_budgets.c.budget - campaign_budgets.c.spent)).where(
                campaign_budgets.c.program_id == program_id,
                campaign_budgets.c.campaign_id == campaign_id,
            )
        ).scalar_one_or_none()
        return None if left is None else int(left)

    def reserve(
        self, program_id: int, campaign_id: str, points: int, hint: int
    ) -> list[tuple[int, int]]:
        """Take ``points`` (or all that is left) as [(shard, points)].

        Fast path: one shard that holds enough, chosen without waiting
        (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so a transaction holds at most
        one shard and never waits for one. Otherwise lock every shard in shard
        order (a single global order: no deadlock) and draw across them.
        """
        shard = self._quick_shard(program_id, campaign_id, points, hint)
        params = {"b_program": program_id, "b_campaign": campaign_id, "b_points": points}
        if (
            shard is not None
            and self.conn.execute(_TAKE, {**params, "b_shard": shard}).rowcount == 1
        ):
            return [(shard, points)]
        rows = self.conn.execute(
            select(campaign_budgets.c.shard, campaign_budgets.c.budget, campaign_budgets.c.spent)
            .where(
                campaign_budgets.c.program_id == program_id,
                campaign_budgets.c.campaign_id == campaign_id,
            )
            .order_by(campaign_budgets.c.shard)
            .with_for_update()
        ).all()
        taken, left = [], points
        for row in rows:
            take = min(left, row.budget - row.spent)
            if take <= 0:
                continue
            self.conn.execute(_TAKE, {**params, "b_shard": row.shard, "b_points": take})
            taken.append((row.shard, take))
            left -= take
            if left == 0:
                break
        return taken

    def _quick_shard(self, program_id: int, campaign_id: str, points: int, hint: int) -> int | None:
        """A shard with room for ``points``, nearest ``hint``, that nobody holds now."""
        left = campaign_budgets.c.budget - campaign_budgets.c.spent
        query = (
            select(campaign_budgets.c.shard)
            .where(
                campaign_budgets.c.program_id == program_id,
                campaign_budgets.c.campaign_id == campaign_id,
                left >= points,
            )
            .order_by((campaign_budgets.c.shard - hint % SHARDS + SHARDS) % SHARDS)
            .limit(1)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found = self.conn.execute(query).scalar_one_or_none()
        return None if found is None else int(found)

    def give_back(self, program_id: int, campaign_id: str, shard: int, points: int) -> None:
        self.conn.execute(
            update(campaign_budgets)
            .where(
                campaign_budgets.c.program_id == program_id,
                campaign_budgets.c.campaign_id == campaign_id,
                campaign_budgets.c.shard == shard,
            )
            .values(spent=campaign_budgets.c.spent - points)
        )

    def record_spend(
        self, entry_id: int, campaign_id: str, rule_id: str, shard: int, points: int
    ) -> None:
        self.record_spends([(entry_id, campaign_id, rule_id, shard, points)])

    def record_spends(self, rows: Sequence[tuple[int, str, str, int, int]]) -> None:
        if rows:
            params = [
                {"entry_id": e, "campaign_id": c, "rule_id": r, "shard": sh, "points": p}
                for e, c, r, sh, p in rows
            ]
            self.conn.execute(insert(campaign_spend), params)

    def spends_of(self, entry_id: int) -> list[tuple[str, str, int, int]]:
        result = self.conn.execute(
            select(
                campaign_spend.c.campaign_id,
                campaign_spend.c.rule_id,
                campaign_spend.c.shard,
                func.sum(campaign_spend.c.points).label("n"),
            )
            .where(campaign_spend.c.entry_id == entry_id)
            .group_by(
                campaign_spend.c.campaign_id, campaign_spend.c.rule_id, campaign_spend.c.shard
            )
        )
        return [(r.campaign_id, r.rule_id, r.shard, int(r.n)) for r in result]

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


def _add_usage(dialect_insert: Any) -> Any:
    stmt = dialect_insert(rule_usage)
    return stmt.on_conflict_do_update(
        index_elements=["member_id", "rule_id", "period"],
        set_={
            "points": rule_usage.c.points + stmt.excluded.points,
            "times": rule_usage.c.times + stmt.excluded.times,
        },
    )


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
_ADD_USAGE = {"postgresql": _add_usage(postgresql.insert), "sqlite": _add_usage(sqlite.insert)}
_COUNT_ORDERS = {"postgresql": _count_orders(func.greatest), "sqlite": _count_orders(func.max)}
_ADD_ORDER = insert(orders)


def _add_order_counted() -> Any:
    # The order's values are bound under their own names (o_...): a parameter named
    # like a column of members would otherwise be SET on the member too.
    names = [f.name for f in fields(NewOrderRecord)] + ["refunded"]
    values = {n: bindparam(f"o_{n}", type_=orders.c[n].type) for n in names}
    counted = _COUNT_ORDERS["postgresql"].cte("counted")
    # PostgreSQL runs a data-modifying WITH whether or not the INSERT reads it
    return insert(orders).values(values).add_cte(counted)


_ADD_ORDER_COUNTED = _add_order_counted()

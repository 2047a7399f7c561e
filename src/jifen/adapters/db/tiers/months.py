"""What tiers count: each member's spend, points and orders per calendar month.

An order adds to its month and reads the tier's window back in one round trip on
PostgreSQL; a review sums the windows of a chunk of members in one statement per span.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db import rows
from jifen.adapters.db.many import execute_many
from jifen.adapters.db.tables import member_months
from jifen.domain.tiers import Stats


def _add_stats(dialect_insert: Any) -> Any:
    stmt = dialect_insert(member_months)
    return stmt.on_conflict_do_update(
        index_elements=["member_id", "month"],
        set_={
            "spend": member_months.c.spend + stmt.excluded.spend,
            "points": member_months.c.points + stmt.excluded.points,
            "orders": member_months.c.orders + stmt.excluded.orders,
        },
    )


_ADD_STATS = {"postgresql": _add_stats(postgresql.insert), "sqlite": _add_stats(sqlite.insert)}
# One member's months summed: every order asks, so the statement is built once.
_ZERO: Any = literal_column("0")
_STATS_ONE = select(
    func.coalesce(func.sum(member_months.c.spend), _ZERO),
    func.coalesce(func.sum(member_months.c.points), _ZERO),
    func.coalesce(func.sum(member_months.c.orders), _ZERO),
).where(
    member_months.c.member_id == bindparam("b_member"),
    member_months.c.month >= bindparam("b_first"),
    member_months.c.month <= bindparam("b_last"),
)

# An order's month added and the tier window summed in one round trip. The sum reads
# the months as they were before the statement, so the month just written comes from
# what the INSERT returns, and the other months from the table.
_ADD_THEN_SUM = text("""
WITH up AS (
  INSERT INTO member_months AS m (member_id, month, spend, points, orders)
  VALUES (:member, :month, :spend, :points, :orders)
  ON CONFLICT (member_id, month) DO UPDATE SET spend = m.spend + excluded.spend,
    points = m.points + excluded.points, orders = m.orders + excluded.orders
  RETURNING month, spend, points, orders
)
SELECT coalesce(sum(spend), 0), coalesce(sum(points), 0), coalesce(sum(orders), 0) FROM (
  SELECT spend, points, orders FROM member_months
   WHERE member_id = :member AND month >= :first AND month <= :last AND month <> :month
  UNION ALL
  SELECT spend, points, orders FROM up WHERE month >= :first AND month <= :last
) AS counted
""")


class SqlTierMonths:
    """Part of :class:`~jifen.adapters.db.tiers.SqlTiers`: monthly activity."""

    conn: Connection

    def add_stats(
        self, member_id: int, month: int, *, spend: int = 0, points: int = 0, orders: int = 0
    ) -> None:
        self.add_stats_many([(member_id, month, Stats(spend, points, orders))])

    def add_stats_many(self, rows_: Sequence[tuple[int, int, Stats]]) -> None:
        params = [
            {
                "member_id": member_id,
                "month": month,
                "spend": s.spend,
                "points": s.points,
                "orders": s.orders,
            }
            for member_id, month, s in rows_
            if s.spend or s.points or s.orders
        ]
        if params:
            execute_many(self.conn, _ADD_STATS[self.conn.dialect.name], params)

    def add_then_sum(
        self, member_id: int, month: int, added: Stats, first: int | None, last: int
    ) -> Stats:
        if self.conn.dialect.name != "postgresql":
            self.add_stats_many([(member_id, month, added)])
            return self.stats(member_id, first, last)
        params = {
            "member": member_id,
            "month": month,
            "spend": added.spend,
            "points": added.points,
            "orders": added.orders,
            "first": first or 0,
            "last": last,
        }
        spend, points, orders = self.conn.execute(_ADD_THEN_SUM, params).one()
        return Stats(int(spend), int(points), int(orders))

    def months_of(self, member_ids: Collection[int]) -> dict[int, dict[int, Stats]]:
        found: dict[int, dict[int, Stats]] = {}
        for chunk in rows.chunks(member_ids):
            result = self.conn.execute(
                select(member_months).where(self._among(member_months.c.member_id, chunk))
            )
            for r in result:
                found.setdefault(r.member_id, {})[r.month] = Stats(
                    int(r.spend), int(r.points), int(r.orders)
                )
        return found

    def stats(self, member_id: int, first: int | None, last: int) -> Stats:
        params = {"b_member": member_id, "b_first": first or 0, "b_last": last}
        spend, points, orders = self.conn.execute(_STATS_ONE, params).one()
        return Stats(int(spend), int(points), int(orders))

    def stats_of(self, spans: dict[int, tuple[int | None, int]]) -> dict[int, Stats]:
        if not spans:
            return {}
        zero: Any = literal_column("0")
        found: dict[int, Stats] = {}
        # members sharing a span are summed in one statement (a review's are all alike)
        by_span: dict[tuple[int | None, int], list[int]] = {}
        for member_id, span in spans.items():
            by_span.setdefault(span, []).append(member_id)
        for (first, last), ids in by_span.items():
            window = [member_months.c.month <= last]
            if first is not None:
                window.append(member_months.c.month >= first)
            for chunk in rows.chunks(ids):
                result = self.conn.execute(
                    select(
                        member_months.c.member_id,
                        func.coalesce(func.sum(member_months.c.spend), zero),
                        func.coalesce(func.sum(member_months.c.points), zero),
                        func.coalesce(func.sum(member_months.c.orders), zero),
                    )
                    .where(self._among(member_months.c.member_id, chunk), *window)
                    .group_by(member_months.c.member_id)
                )
                for member_id, spend, points, orders in result:
                    found[int(member_id)] = Stats(int(spend), int(points), int(orders))
        return found

    def _among(self, column: Any, ids: list[int]) -> Any:
        if self.conn.dialect.name == "postgresql":  # one array, not thousands of parameters
            return column == any_(literal(ids, postgresql.ARRAY(BigInteger)))
        return column.in_(ids)

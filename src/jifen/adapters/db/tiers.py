"""Tier state on the member row, monthly activity, and the tier change history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db import rows
from jifen.adapters.db.planning import probe_indexes
from jifen.adapters.db.tables import lots, member_months, members, tier_changes
from jifen.domain.members import Member
from jifen.domain.tiers import Stats, TierState
from jifen.services.tiers.ports import TierChange, Tiered

_TIERING = [c for c in members.c if c.name.startswith("tier_")]
_SAVE = update(members).where(members.c.id == bindparam("b_id"))
_SAVE_MANY = text("""
UPDATE members m SET tier = v.tier, tier_earned = v.earned, tier_since = v.since,
       tier_review_month = v.review, tier_at_risk = v.risk, tier_floor = v.floor,
       tier_floor_until = v.until, tier_counted_from = v.counted, tier_nudged = v.nudged,
       updated_at = :now
FROM unnest(CAST(:ids AS bigint[]), CAST(:tier AS text[]), CAST(:earned AS text[]),
            CAST(:since AS timestamptz[]), CAST(:review AS integer[]), CAST(:risk AS boolean[]),
            CAST(:floor AS text[]), CAST(:until AS timestamptz[]), CAST(:counted AS integer[]),
            CAST(:nudged AS text[]))
     AS v(id, tier, earned, since, review, risk, floor, until, counted, nudged)
WHERE m.id = v.id
""")


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


class SqlTiers:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

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
            self.conn.execute(_ADD_STATS[self.conn.dialect.name], params)

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

    def save(self, saves: list[tuple[int, str | None, TierState]], now: datetime) -> None:
        if not saves:
            return
        if self.conn.dialect.name == "postgresql" and len(saves) > 1:
            # one statement for the chunk: 60,000 single-row UPDATEs took 4 times longer
            with probe_indexes(self.conn):
                self._save_many(saves, now)
            return
        self.conn.execute(
            _SAVE,
            [
                {
                    "b_id": member_id,
                    "tier": tier,
                    "tier_earned": s.earned,
                    "tier_since": s.since,
                    "tier_review_month": s.review_month,
                    "tier_at_risk": s.at_risk,
                    "tier_floor": s.floor,
                    "tier_floor_until": s.floor_until,
                    "tier_counted_from": s.counted_from,
                    "tier_nudged": s.nudged,
                    "updated_at": now,
                }
                for member_id, tier, s in saves
            ],
        )

    def _save_many(self, saves: list[tuple[int, str | None, TierState]], now: datetime) -> None:
        states = [s for _, _, s in saves]
        self.conn.execute(
            _SAVE_MANY,
            {
                "ids": [m for m, _, _ in saves],
                "tier": [t for _, t, _ in saves],
                "earned": [s.earned for s in states],
                "since": [s.since for s in states],
                "review": [s.review_month for s in states],
                "risk": [s.at_risk for s in states],
                "floor": [s.floor for s in states],
                "until": [s.floor_until for s in states],
                "counted": [s.counted_from for s in states],
                "nudged": [s.nudged for s in states],
                "now": now,
            },
        )

    def record_changes(self, program_id: int, changes: list[tuple[int, TierChange]]) -> None:
        if not changes:
            return
        self.conn.execute(
            tier_changes.insert(),
            [
                {
                    "program_id": program_id,
                    "member_id": member_id,
                    "from_tier": c.from_tier,
                    "to_tier": c.to_tier,
                    "reason": c.reason,
                    "actor": c.actor,
                    "detail": c.detail,
                    "created_at": c.at,
                }
                for member_id, c in changes
            ],
        )

    def changes(self, member_id: int, limit: int) -> list[TierChange]:
        result = self.conn.execute(
            select(tier_changes)
            .where(tier_changes.c.member_id == member_id)
            .order_by(tier_changes.c.id.desc())
            .limit(limit)
        )
        return [_change(r) for r in result]

    def stop_expiry(self, member_id: int) -> int:
        result = self.conn.execute(
            update(lots)
            .where(
                lots.c.member_id == member_id,
                lots.c.remaining > 0,
                lots.c.expires_at.is_not(None),
            )
            .values(expires_at=None)
        )
        return int(result.rowcount)

    def birthdays(
        self,
        program_id: int,
        days: list[tuple[int, int]],
        after_member_id: int,
        limit: int,
        until: int,
    ) -> list[Member]:
        born = or_(
            *(
                and_(
                    func.extract("month", members.c.birthday) == m,
                    func.extract("day", members.c.birthday) == d,
                )
                for m, d in days
            )
        )
        result = self.conn.execute(
            select(members)
            .where(
                members.c.program_id == program_id,
                members.c.id > after_member_id,
                members.c.id <= until,
                members.c.status == "active",
                members.c.birthday.is_not(None),
                born,
            )
            .order_by(members.c.id)
            .limit(limit)
            .with_for_update()
        )
        return [rows.member(r) for r in result]

    def due_for_review(
        self,
        program_id: int,
        month: int,
        cutoff: datetime,
        after_member_id: int,
        limit: int,
        until: int,
    ) -> list[Tiered]:
        due = or_(
            members.c.tier_review_month <= month,
            and_(members.c.tier_floor.is_not(None), members.c.tier_floor_until <= cutoff),
        )
        query = (
            select(members.c.id, members.c.external_id, members.c.tier, *_TIERING)
            .where(
                members.c.program_id == program_id,
                members.c.id > after_member_id,
                members.c.id <= until,
                due,
            )
            .order_by(members.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return [
            Tiered(r.id, r.external_id, r.tier, rows.tiering(r)) for r in self.conn.execute(query)
        ]


def _change(row: Any) -> TierChange:
    return TierChange(
        row.from_tier, row.to_tier, row.reason, row.actor, dict(row.detail), row.created_at
    )

"""What members used of capped rules (per rule and period), and their streaks of activity.

Every order asks for one member's usage and adds to it: both statements are built once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, String, any_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db.many import execute_many
from jifen.adapters.db.rows import chunks
from jifen.adapters.db.tables import member_streaks, rule_usage
from jifen.domain.earning import Usage

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


class SqlRuleUsage:
    """Part of :class:`~jifen.adapters.db.earning.SqlEarningStore`: caps and streaks."""

    conn: Connection
    insert: Any  # the dialect's INSERT, with ON CONFLICT

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
            execute_many(self.conn, _ADD_USAGE[self.conn.dialect.name], params)

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


def _add_usage(dialect_insert: Any) -> Any:
    stmt = dialect_insert(rule_usage)
    return stmt.on_conflict_do_update(
        index_elements=["member_id", "rule_id", "period"],
        set_={
            "points": rule_usage.c.points + stmt.excluded.points,
            "times": rule_usage.c.times + stmt.excluded.times,
        },
    )


# Built once per dialect: this runs for every order.
_ADD_USAGE = {"postgresql": _add_usage(postgresql.insert), "sqlite": _add_usage(sqlite.insert)}

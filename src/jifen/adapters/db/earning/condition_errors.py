"""How often each rule's condition failed to evaluate, per day: the console's warning.

Written only by an order or activity that had such a failure, in its transaction, on
one of ``SHARDS`` rows per rule and day (by member), so that a rule broken on every
order does not queue those orders on one row; read summed over the shards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db.tables import rule_condition_errors as t
from jifen.services.earning.ports import ConditionErrors

SHARDS = 8
_LATEST = ("last_at", "last_reference", "last_error", "last_problem", "last_params")


def _count(dialect_insert: Any) -> Any:
    stmt = dialect_insert(t)
    return stmt.on_conflict_do_update(
        index_elements=["program_id", "rule_id", "day", "shard"],
        set_={"errors": t.c.errors + stmt.excluded.errors}
        | {name: getattr(stmt.excluded, name) for name in _LATEST},
    )


_COUNT = {"postgresql": _count(postgresql.insert), "sqlite": _count(sqlite.insert)}


class SqlConditionErrors:
    """Part of :class:`~jifen.adapters.db.earning.SqlEarningStore`: rules' failures."""

    conn: Connection

    def count_condition_errors(
        self, program_id: int, shard: int, rows: Sequence[ConditionErrors]
    ) -> None:
        if rows:
            params = [{**vars(r), "program_id": program_id, "shard": shard % SHARDS} for r in rows]
            self.conn.execute(_COUNT[self.conn.dialect.name], params)

    def condition_errors(self, program_id: int, since: date) -> list[ConditionErrors]:
        rows = self.conn.execute(
            select(t).where(t.c.program_id == program_id, t.c.day >= since)
        ).all()
        summed: dict[tuple[date, str], ConditionErrors] = {}
        for r in rows:
            key = (r.day, r.rule_id)
            seen = summed.get(key)
            latest = r if seen is None or r.last_at > seen.last_at else seen
            summed[key] = ConditionErrors(
                rule_id=r.rule_id,
                day=r.day,
                errors=r.errors + (seen.errors if seen else 0),
                last_at=latest.last_at,
                last_reference=latest.last_reference,
                last_error=latest.last_error,
                last_problem=latest.last_problem,
                last_params=dict(latest.last_params),
            )
        return [summed[k] for k in sorted(summed)]

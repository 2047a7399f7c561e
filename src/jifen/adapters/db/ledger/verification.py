"""`jifen verify`: recompute every balance from the ledger, set-based.

Each check is one SQL query that returns the rows that break an invariant;
an empty result means the invariant holds for the whole database. The
queries stream through the database, not through Python, so they scale
with the ledger.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, text

from jifen.adapters.db.tables import draws, entries, holds, lots, members, programs

_DRAWN = "(SELECT lot_id, SUM(amount) AS s FROM draws GROUP BY lot_id)"
_ENTRY_SUMS = (
    "(SELECT member_id, SUM(delta_available) AS a, SUM(delta_pending) AS p,"
    " SUM(delta_held) AS h FROM entries GROUP BY member_id)"
)
_LOT_SUMS = (
    "(SELECT member_id,"
    " SUM(CASE WHEN pending THEN remaining ELSE 0 END) AS p,"
    " SUM(CASE WHEN pending THEN 0 ELSE remaining END) AS a FROM lots GROUP BY member_id)"
)
_HELD_SUMS = (
    "(SELECT member_id, SUM(amount) AS h FROM holds WHERE status = 'active' GROUP BY member_id)"
)
_HOLD_DRAWS = (
    "(SELECT e.hold_id, SUM(d.amount) AS s FROM draws d JOIN entries e ON e.id = d.entry_id"
    " WHERE e.hold_id IS NOT NULL GROUP BY e.hold_id)"
)

CHECKS: dict[str, str] = {
    # a lot's remaining is its amount less everything drawn from it
    "lot_remaining": f"""
        SELECT l.id AS lot, l.member_id AS member, l.remaining AS actual,
               l.amount - COALESCE(d.s, 0) AS expected
        FROM lots l LEFT JOIN {_DRAWN} d ON d.lot_id = l.id
        WHERE l.remaining <> l.amount - COALESCE(d.s, 0)
           OR l.remaining < 0 OR l.remaining > l.amount""",
    # the cached balances are the sums of the entries' deltas
    "member_balance": f"""
        SELECT m.id AS member, m.available AS available, m.pending AS pending,
               m.held AS held, COALESCE(e.a, 0) AS expected_available,
               COALESCE(e.p, 0) AS expected_pending, COALESCE(e.h, 0) AS expected_held
        FROM members m LEFT JOIN {_ENTRY_SUMS} e ON e.member_id = m.id
        WHERE m.available <> COALESCE(e.a, 0) OR m.pending <> COALESCE(e.p, 0)
           OR m.held <> COALESCE(e.h, 0)""",
    # pending points are the pending lots; available points are the other lots
    # (a negative balance is a debt: no lot may hold points while it lasts)
    "member_lots": f"""
        SELECT m.id AS member, m.available AS available, m.pending AS pending,
               COALESCE(l.a, 0) AS lots_available, COALESCE(l.p, 0) AS lots_pending
        FROM members m LEFT JOIN {_LOT_SUMS} l ON l.member_id = m.id
        WHERE m.pending <> COALESCE(l.p, 0)
           OR CASE WHEN m.available > 0 THEN m.available ELSE 0 END <> COALESCE(l.a, 0)""",
    # held points are the open holds
    "member_held": f"""
        SELECT m.id AS member, m.held AS actual, COALESCE(h.h, 0) AS expected
        FROM members m LEFT JOIN {_HELD_SUMS} h ON h.member_id = m.id
        WHERE m.held <> COALESCE(h.h, 0)""",
    # an open hold still has exactly its amount drawn from lots
    "hold_draws": f"""
        SELECT h.id AS hold, h.member_id AS member, h.amount AS expected,
               COALESCE(x.s, 0) AS actual
        FROM holds h LEFT JOIN {_HOLD_DRAWS} x ON x.hold_id = h.id
        WHERE h.status = 'active' AND COALESCE(x.s, 0) <> h.amount""",
}

MAX_EXAMPLES = 20


class SqlVerifier:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def check(self) -> dict[str, Any]:
        problems: dict[str, int] = {}
        examples: list[dict[str, Any]] = []
        for name, sql in CHECKS.items():
            found = self._run(name, sql, examples)
            problems[name] = found
        problems["negative_balance_not_allowed"] = self._negative_where_floor(examples)
        return {
            "ok": not any(problems.values()),
            "counts": self._counts(),
            "problems": problems,
            "examples": examples,
        }

    def _run(self, name: str, sql: str, examples: list[dict[str, Any]]) -> int:
        count = 0
        for row in self.conn.execute(text(sql)).mappings():
            count += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append({"check": name, **{k: _plain(v) for k, v in row.items()}})
        return count

    def _negative_where_floor(self, examples: list[dict[str, Any]]) -> int:
        floor_ids = [
            row.id
            for row in self.conn.execute(select(programs.c.id, programs.c.policy))
            if row.policy.get("negative_balance") == "floor"
        ]
        if not floor_ids:
            return 0
        found = self.conn.execute(
            select(members.c.id, members.c.available).where(
                members.c.program_id.in_(floor_ids), members.c.available < 0
            )
        ).all()
        for row in found[: MAX_EXAMPLES - len(examples)]:
            examples.append(
                {
                    "check": "negative_balance_not_allowed",
                    "member": row.id,
                    "available": row.available,
                }
            )
        return len(found)

    def _counts(self) -> dict[str, int]:
        counts = {}
        for name, table in (
            ("programs", programs),
            ("members", members),
            ("entries", entries),
            ("lots", lots),
            ("draws", draws),
            ("holds", holds),
        ):
            counts[name] = int(
                self.conn.execute(select(func.count()).select_from(table)).scalar_one()
            )
        return counts


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

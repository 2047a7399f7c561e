"""`jifen verify`: recompute every balance from the ledger, set-based.

Each check is one SQL query that returns the rows that break an invariant;
an empty result means the invariant holds for the whole database. The
queries stream through the database, not through Python, so they scale
with the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, select, text

from jifen.adapters.db.ledger.chain_proof import chain_heads, prove_chains
from jifen.adapters.db.ledger.lifetimes import CHECK as BEYOND_POLICY
from jifen.adapters.db.ledger.lifetimes import prove_lifetimes
from jifen.adapters.db.tables import draws, entries, holds, lots, members, programs
from jifen.domain.earning import Lifetimes

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

_REVERSIBLE = "('earn', 'adjust', 'redeem', 'capture')"
_ISSUED = (
    "(SELECT entry_id, SUM(amount) AS s FROM lots WHERE parent_lot_id IS NULL GROUP BY entry_id)"
)
_DRAWN_BY = "(SELECT entry_id, SUM(amount) AS s FROM draws GROUP BY entry_id)"

# Entries against their lots, draws and reversals; lots against how they were issued.
CHECKS.update(
    {
        # a lot's end moves only by a recorded extension: a tier change since the lot was
        # issued made the member's points never expire (tiers' stop_expiry, which says so
        # in the change's detail)
        "lot_expiry": """
        SELECT l.id AS lot, l.member_id AS member, l.expires_at AS actual,
               l.issued_expires_at AS issued
        FROM lots l
        WHERE (l.expires_at IS NOT NULL AND l.issued_expires_at IS NULL)
           OR l.issued_expires_at <= l.available_at
           OR l.expires_at <> l.issued_expires_at
           OR (l.expires_at IS NULL AND l.issued_expires_at IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM tier_changes t
               WHERE t.member_id = l.member_id AND t.created_at >= l.created_at
                 AND CAST(t.detail AS TEXT) LIKE '%lots_no_longer_expiring%'))""",
        # reversals undo at most the original, are of kind reverse, undo a reversible
        # entry of the same member
        "reversal_total": """
        SELECT o.id AS entry, o.member_id AS member, o.amount AS amount,
               SUM(r.amount) AS reversed
        FROM entries r JOIN entries o ON o.id = r.reverses_entry_id
        GROUP BY o.id, o.member_id, o.amount HAVING SUM(r.amount) > o.amount""",
        "reversal_kind": f"""
        SELECT r.id AS entry, r.member_id AS member, r.kind AS kind, o.kind AS original
        FROM entries r LEFT JOIN entries o ON o.id = r.reverses_entry_id
        WHERE (r.kind = 'reverse') <> (r.reverses_entry_id IS NOT NULL)
           OR (r.reverses_entry_id IS NOT NULL AND (o.id IS NULL
               OR o.member_id <> r.member_id OR o.kind NOT IN {_REVERSIBLE}))""",
        # each kind moves the balances its own way, by its amount
        "entry_shape": f"""
        SELECT e.id AS entry, e.member_id AS member, e.kind AS kind, e.amount AS amount
        FROM entries e LEFT JOIN {_ISSUED} i ON i.entry_id = e.id
             LEFT JOIN {_DRAWN_BY} d ON d.entry_id = e.id
        WHERE (e.kind = 'earn' AND (e.delta_available + e.delta_pending <> e.amount
                 OR e.delta_held <> 0 OR COALESCE(i.s, 0) <> e.amount))
           OR (e.kind = 'redeem' AND (e.delta_available <> -e.amount OR e.delta_pending <> 0
                 OR e.delta_held <> 0 OR i.s IS NOT NULL))
           OR (e.kind = 'mature' AND (e.delta_available <> e.amount
                 OR e.delta_pending <> -e.amount OR e.delta_held <> 0))
           OR (e.kind IN ('expire', 'forfeit') AND (
                 e.delta_available + e.delta_pending <> -e.amount
                 OR e.delta_held <> 0 OR COALESCE(d.s, 0) <> e.amount))
           OR (e.kind = 'hold' AND (e.delta_held <> e.amount
                 OR e.delta_available <> -e.amount OR e.delta_pending <> 0))""",
    }
)

MAX_EXAMPLES = 20


class SqlVerifier:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def check(
        self,
        lifetimes: Mapping[int, Lifetimes],
        anchored: Mapping[int, tuple[int, str]] | None = None,
    ) -> dict[str, Any]:
        problems: dict[str, int] = {}
        examples: list[dict[str, Any]] = []

        def report(check: str, example: dict[str, Any]) -> None:
            problems[check] += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append({"check": check, **example})

        for name, sql in CHECKS.items():
            found = self._run(name, sql, examples)
            problems[name] = found
        problems[BEYOND_POLICY] = 0
        prove_lifetimes(self.conn, lifetimes, report)
        problems["negative_balance_not_allowed"] = self._negative_where_floor(examples)
        problems.update({"entry_hash": 0, "chain_head": 0})
        if anchored is not None:
            problems["anchor"] = 0
        prove_chains(self.conn, report, anchored)
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

    def heads(self) -> dict[int, tuple[int, str]]:
        return chain_heads(self.conn)

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

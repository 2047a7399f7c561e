"""What a batch of orders writes (``EarningStore.write_batch``): on PostgreSQL one statement.

A batch writes to nine tables. Sent as nine statements through SQLAlchemy, each costs the
client a statement built, its parameters bound and adapted one by one, and a result read:
that, not the database, was most of an order's CPU. On PostgreSQL the batch is one
``INSERT``/``UPDATE`` per table inside one statement (data-modifying ``WITH``), and its rows
go as one JSON document that PostgreSQL unpacks (``jsonb_populate_recordset``), so the
client encodes the batch once, in C. The rows are the very rows the repositories write
(``entry_row``, ``lot_row``, the hash chain by ``credit_rows``), and:

- each member's row is updated once, the balance move and the order counts together (a
  statement may not update a row twice); the move keeps its guard, the member's chain head
  as this transaction read it, inside the database (``jifen_require``): the statement may
  go out in a pipeline with the COMMIT behind it (``uow.commit_with``);
- rows keep the order they were decided in (``WITH ORDINALITY``): lots and outbox events
  take their ids in that order;
- the rare writes (tier saves and changes) follow as the tier repository writes them.

SQLite writes table by table through the repositories (in process, a statement is cheap).
``tests/integration/test_import_equivalence.py`` and the batch tests hold the two ways to
the same rows as orders recorded one by one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import Column, Connection, Table, text
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect

from jifen.adapters.db.arrays import int_array, text_array
from jifen.adapters.db.challenges import SqlChallengeStore
from jifen.adapters.db.challenges.progress import progress_row
from jifen.adapters.db.guards import LEDGER_CONFLICT, raised, require
from jifen.adapters.db.idempotency import SqlIdempotencyKeys
from jifen.adapters.db.leaderboards import SqlLeaderboards
from jifen.adapters.db.ledger import SqlLedger
from jifen.adapters.db.ledger.credits import credit_rows
from jifen.adapters.db.outbox import SqlOutbox
from jifen.adapters.db.tables import (
    campaign_spend,
    challenge_progress,
    entries,
    leaderboard_counts,
    leaderboard_scores,
    lots,
    member_months,
    orders,
    outbox,
    rule_usage,
)
from jifen.adapters.db.tiers import SqlTiers
from jifen.services.earning.ports import BatchWrites, EarningStore
from jifen.services.ports import KeyScope


def _columns(table: Table, *, without: tuple[str, ...] = ()) -> list[Column[Any]]:
    return [c for c in table.columns if c.name not in without]


def _insert(table: Table, part: str, *, without: tuple[str, ...] = (), tail: str = "") -> str:
    """INSERT the rows of the document's ``part``, in their order."""
    names = ", ".join(c.name for c in _columns(table, without=without))
    return (
        f"INSERT INTO {table.name} ({names})"
        f" SELECT {names} FROM d, jsonb_populate_recordset(NULL::{table.name}, d.doc->'{part}')"
        f" WITH ORDINALITY AS r ORDER BY r.ordinality{tail}"
    )


_WRITE = text(
    f"""
WITH d AS (SELECT CAST(:doc AS jsonb) AS doc),
e AS ({_insert(entries, "entries")}),
l AS ({_insert(lots, "lots", without=("id",))}),
m AS (
    UPDATE members m SET
        available = m.available + v.da,
        pending = m.pending + v.dp,
        chain_head = COALESCE(v.head, m.chain_head),
        updated_at = COALESCE(v.at, m.updated_at),
        orders_count = m.orders_count + v.orders,
        spend_total = m.spend_total + v.paid,
        last_order_at = CASE WHEN v.latest IS NULL THEN m.last_order_at
            ELSE greatest(COALESCE(m.last_order_at, v.latest), v.latest) END
    FROM d, jsonb_to_recordset(d.doc->'members') AS v(
        id bigint, da bigint, dp bigint, prev text, head text, at timestamptz,
        orders bigint, paid bigint, latest timestamptz)
    -- ``ANY``: an index probe per member, never a scan of every member to join them
    WHERE m.id = ANY(CAST(:ids AS bigint[])) AND m.id = v.id AND m.pending + v.dp >= 0
        AND (v.head IS NULL OR m.chain_head IS NOT DISTINCT FROM v.prev)
    RETURNING 1
),
mm AS ({
        _insert(
            member_months,
            "months",
            tail=" ON CONFLICT (member_id, month) DO UPDATE SET"
            " spend = member_months.spend + excluded.spend,"
            " points = member_months.points + excluded.points,"
            " orders = member_months.orders + excluded.orders",
        )
    }),
u AS ({
        _insert(
            rule_usage,
            "usage",
            tail=" ON CONFLICT (member_id, rule_id, period) DO UPDATE SET"
            " points = rule_usage.points + excluded.points,"
            " times = rule_usage.times + excluded.times",
        )
    }),
o AS ({_insert(orders, "orders", without=("id",))}),
ls AS ({
        _insert(
            leaderboard_scores,
            "scores",
            tail=" ON CONFLICT (member_id, board_id, period, scope_key) DO UPDATE SET"
            " score = excluded.score, updated_at = excluded.updated_at",
        )
    }),
lc AS ({
        _insert(
            leaderboard_counts,
            "counts",
            tail=" ON CONFLICT (program_id, board_id, period, scope_key, level, key) DO UPDATE"
            " SET n = leaderboard_counts.n + excluded.n",
        )
    }),
cp AS ({
        _insert(
            challenge_progress,
            "progress",
            tail=" ON CONFLICT (member_id, challenge_id, round) DO UPDATE SET"
            " tally = excluded.tally, value = excluded.value, done_at = excluded.done_at,"
            " entry_id = excluded.entry_id, updated_at = excluded.updated_at",
        )
    }),
s AS ({_insert(campaign_spend, "spends", without=("id",))}),
x AS ({_insert(outbox, "events", without=("id", "published_at"))}),
k AS (
    UPDATE idempotency_keys k SET response = v.response
    FROM d, jsonb_to_recordset(d.doc->'responses') AS v(key text, response jsonb)
    WHERE k.program_id = CAST(:program AS bigint) AND k.scope = :scope
        AND k.key = ANY(CAST(:keys AS text[])) AND k.key = v.key
)
SELECT {require("(SELECT count(*) FROM m) = CAST(:members AS bigint)", LEDGER_CONFLICT)}
"""
)
#: in the driver's own parameter style, for ``send``
ONE_STATEMENT = str(_WRITE.compile(dialect=psycopg_dialect()))  # type: ignore[no-untyped-call]


class SqlBatchWrite:
    """``write_batch`` of ``SqlEarningStore``."""

    conn: Connection

    def write_batch(self, program_id: int, writes: BatchWrites) -> None:
        if not writes:
            return
        if self.conn.dialect.name == "postgresql":
            _one_statement(self.conn, program_id, writes)
        else:
            _table_by_table(self.conn, program_id, writes, self)  # type: ignore[arg-type]
        if not writes.tiers and not writes.tier_changes:  # the common case: no tier moved
            return
        tiers = SqlTiers(self.conn)
        saves: dict[datetime, list[Any]] = {}
        for member_id, (tier, state, at) in writes.tiers.items():
            saves.setdefault(at, []).append((member_id, tier, state))
        for at, rows in saves.items():
            tiers.save(rows, at)
        tiers.record_changes(program_id, writes.tier_changes)


def _one_statement(conn: Connection, program_id: int, w: BatchWrites) -> None:
    entry_rows: list[dict[str, Any]] = []
    lot_rows: list[dict[str, Any]] = []
    moves: dict[int, dict[str, Any]] = {}
    if w.credits:
        entry_rows, lot_rows, moves = credit_rows(conn, program_id, w.credits)
    members: dict[int, dict[str, Any]] = {
        m: {"id": m, "da": v["b_da"], "dp": v["b_dp"], "prev": v["b_prev"], "head": v["b_head"],
            "at": v["b_now"], "orders": 0, "paid": 0, "latest": None}
        for m, v in moves.items()
    }  # fmt: skip
    for m, (n, paid, latest) in w.counted.items():
        row = members.setdefault(
            m, {"id": m, "da": 0, "dp": 0, "prev": None, "head": None, "at": None}
        )
        row.update(orders=n, paid=paid, latest=latest)
    doc = {
        "entries": entry_rows,
        "lots": lot_rows,
        "members": list(members.values()),
        "months": [
            {"member_id": m, "month": k, "spend": s.spend, "points": s.points, "orders": s.orders}
            for (m, k), s in w.months.items()
        ],
        "usage": [
            {"member_id": m, "rule_id": r, "period": k, "points": u.points, "times": u.times}
            for (m, r, k), u in w.usage.items()
        ],
        "orders": [{**vars(r), "refunded": 0} for r in w.orders],
        "spends": [
            {"entry_id": e, "campaign_id": c, "rule_id": r, "shard": sh, "points": p}
            for e, c, r, sh, p in w.spends
        ],
        "events": [
            {"program_id": program_id, "topic": t, "payload": p, "created_at": at}
            for t, p, at in w.events
        ],
        "responses": [{"key": k, "response": r} for k, r in w.responses.items()],
        "progress": [progress_row(m, p, kept) for (m, _, _), (p, kept) in w.progress.items()],
        "scores": [
            {"member_id": m, "board_id": b, "period": pe, "scope_key": sc, "program_id": p,
             "score": score, "hidden": hidden, "updated_at": at}
            for (m, b, pe, sc), (p, score, hidden, at) in sorted(w.scores.items())
        ],
        "counts": [
            {"program_id": p, "board_id": b, "period": pe, "scope_key": sc, "level": lv,
             "key": k, "n": n}
            for (p, b, pe, sc, lv, k), n in sorted(w.counts.items())
            if n
        ],
    }  # fmt: skip
    params = {
        "doc": orjson.dumps(doc, default=_plain, option=orjson.OPT_NON_STR_KEYS).decode(),
        "program": program_id,
        "scope": KeyScope.JIFEN.value,
        "members": len(members),
        "ids": int_array(members),
        "keys": text_array(w.responses),
    }
    send(conn, params)


def send(conn: Connection, params: dict[str, Any]) -> None:
    """The batch's statement, sent by the driver itself: SQLAlchemy's execution of it (its
    context, its result) cost a lone order more CPU than building the document."""
    pg: Any = conn.connection.driver_connection
    try:
        pg.execute(ONE_STATEMENT, params)
    except psycopg.Error as exc:  # outside a pipeline (in one, at its end: ``commit_with``)
        raise raised(exc, broken=pg.broken) from exc


def _table_by_table(
    conn: Connection, program_id: int, w: BatchWrites, earning: EarningStore
) -> None:
    """Every table in turn, through the repositories, in an order the keys allow."""
    SqlLedger(conn).write_credits(program_id, w.credits)
    earning.count_orders([(m, n, paid, latest) for m, (n, paid, latest) in w.counted.items()])
    earning.add_usage_many([(m, r, k, u.points, u.times) for (m, r, k), u in w.usage.items()])
    SqlTiers(conn).add_stats_many([(m, month, s) for (m, month), s in w.months.items()])
    earning.add_orders(w.orders)
    earning.record_spends(w.spends)
    SqlOutbox(conn).add_events(program_id, w.events)
    SqlIdempotencyKeys(conn).record_many(program_id, w.responses)
    store = SqlChallengeStore(conn)
    for (member_id, _, _), (program, progress) in w.progress.items():
        store.save(program, member_id, progress)
    boards = SqlLeaderboards(conn)
    for (member_id, *place), (program, score, hidden, at) in sorted(w.scores.items()):
        boards.put_score(program, member_id, tuple(place), score, hidden, at)  # type: ignore[arg-type]
    by_program: dict[int, dict[Any, int]] = {}
    for (program, *key), n in sorted(w.counts.items()):
        by_program.setdefault(program, {})[tuple(key)] = n
    for program, deltas in by_program.items():
        boards.add_counts(program, {k: n for k, n in deltas.items() if n})


def _plain(value: object) -> str:
    """Times as PostgreSQL reads them (ISO 8601, with the offset)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")

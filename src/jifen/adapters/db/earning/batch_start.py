"""What a batch of orders reads first (``EarningStore.start_batch``), in one round trip.

On PostgreSQL the reads go out together in one psycopg pipeline on the unit of work's
own connection and transaction, so a batch (a lone order too) waits for the network
once instead of once a read. They cannot wait for each other's answers, so each is
written in terms of what the caller sent: the members are named by external id, and
the claims, usage, first orders and months join the members locked by the first
statement (statements of one transaction run in order, so they see its locks and
claims). They read what these repositories read one by one, which SQLite still does
(in process, a round trip costs little there):

- ``members.lock_many``: the members, locked in id order;
- ``idempotency.stored_many`` and ``claim_many``: the keys stored before, and the
  claims of the rest whose member is active (``Member.require_active``);
- ``versions.current``: the programme's current version;
- ``earning.usage_of``: capped rules' usage;
- ``earning.firsts_in``: each week's first order, as ``_first_order`` seeks it;
- ``tiers.months_of``: the members' months of activity;
- ``ledger.next_entry_ids``: entry ids, reserved from the sequence.

``tests/integration/test_batch_start.py`` holds both ways to the same answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection

from jifen.adapters.db import rows
from jifen.adapters.db.guards import raised
from jifen.adapters.db.idempotency import SqlIdempotencyKeys
from jifen.adapters.db.ledger import chain
from jifen.adapters.db.members import SqlMembers
from jifen.adapters.db.programs import SqlProgramVersions
from jifen.adapters.db.tiers import SqlTiers
from jifen.domain.earning import Usage
from jifen.domain.members import Member, MemberStatus
from jifen.domain.tiers import Stats
from jifen.services.earning.ports import BatchAsk, BatchStart, Span
from jifen.services.ports import KeyScope, StoredResponse

_LOCK = """
SELECT * FROM members
WHERE program_id = %(p)s AND external_id = ANY(%(members)s)
ORDER BY id FOR UPDATE"""

_STORED = """
SELECT key, fingerprint, response FROM idempotency_keys
WHERE program_id = %(p)s AND scope = %(scope)s AND key = ANY(%(keys)s)"""

_CLAIM = """
INSERT INTO idempotency_keys (program_id, scope, key, fingerprint, created_at)
SELECT %(p)s, %(scope)s, k.key, k.fingerprint, %(now)s
FROM unnest(%(keys)s::text[], %(prints)s::text[], %(owners)s::text[])
    AS k(key, fingerprint, member)
JOIN members m ON m.program_id = %(p)s AND m.external_id = k.member AND m.status = %(active)s
ON CONFLICT (program_id, scope, key) DO NOTHING
RETURNING key"""

_VERSION = "SELECT current_version FROM programs WHERE id = %(p)s"

_USAGE = """
SELECT u.member_id, u.rule_id, u.period, u.points, u.times
FROM rule_usage u JOIN members m ON m.id = u.member_id
WHERE m.program_id = %(p)s AND m.external_id = ANY(%(members)s)
    AND u.rule_id = ANY(%(rules)s) AND u.period = ANY(%(periods)s)"""

# as ``orders._first_order``: the first order of the span that counts for its week
_FIRSTS = """
SELECT s.n, m.id AS member_id, f.placed_at, f.order_id
FROM unnest(%(owners)s::text[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
    WITH ORDINALITY AS s(member, start_at, end_at, n)
JOIN members m ON m.program_id = %(p)s AND m.external_id = s.member
LEFT JOIN LATERAL (
    SELECT o.placed_at, o.order_id FROM orders o
    WHERE o.member_id = m.id AND o.placed_at >= s.start_at AND o.placed_at < s.end_at
        AND o.arrived_expired IS false
    ORDER BY o.placed_at, o.order_id LIMIT 1
) f ON true"""

_MONTHS = """
SELECT mm.member_id, mm.month, mm.spend, mm.points, mm.orders
FROM member_months mm JOIN members m ON m.id = mm.member_id
WHERE m.program_id = %(p)s AND m.external_id = ANY(%(members)s)"""

_IDS = "SELECT nextval(pg_get_serial_sequence('entries', 'id')) FROM generate_series(1, %(n)s)"


class SqlBatchStart:
    """``start_batch`` of ``SqlEarningStore``."""

    conn: Connection

    def start_batch(self, ask: BatchAsk) -> BatchStart:
        if self.conn.dialect.name == "postgresql":
            return _pipelined(self.conn, ask)
        return _one_by_one(self.conn, ask)


def _pipelined(conn: Connection, ask: BatchAsk) -> BatchStart:
    try:
        return _read_together(conn, ask)
    except psycopg.Error as exc:  # raised by the pipeline's end, not through SQLAlchemy
        raise raised(exc) from exc


def _read_together(conn: Connection, ask: BatchAsk) -> BatchStart:
    pg: Any = conn.connection.driver_connection
    members_ = sorted(ask.members)
    keys = list(ask.keys)
    p = {"p": ask.program_id, "members": members_, "scope": KeyScope.JIFEN.value}
    spans = list(ask.spans)
    with pg.pipeline():
        lock = pg.cursor(row_factory=namedtuple_row)
        lock.execute(_LOCK, p)
        stored = pg.cursor()
        stored.execute(_STORED, {**p, "keys": keys})
        claim = pg.cursor()
        claim.execute(
            _CLAIM,
            {
                **p,
                "keys": keys,
                "prints": [ask.keys[k][0] for k in keys],
                "owners": [ask.keys[k][1] for k in keys],
                "now": ask.now,
                "active": MemberStatus.ACTIVE.value,
            },
        )
        version = pg.cursor()
        version.execute(_VERSION, p)
        usage = pg.cursor()
        if ask.usage:
            usage.execute(
                _USAGE,
                {
                    **p,
                    "rules": sorted({r for _, r, _ in ask.usage}),
                    "periods": sorted({k for _, _, k in ask.usage}),
                },
            )
        firsts = pg.cursor()
        if spans:
            firsts.execute(
                _FIRSTS,
                {
                    **p,
                    "owners": [m for m, _, _ in spans],
                    "starts": [s for _, s, _ in spans],
                    "ends": [e for _, _, e in spans],
                },
            )
        months = pg.cursor()
        if ask.months:
            months.execute(_MONTHS, p)
        ids = pg.cursor()
        if ask.entries > 0:
            ids.execute(_IDS, {"n": ask.entries})
    locked: dict[str, Member] = {}
    for row in lock.fetchall():
        chain.remember(conn, row.id, row.chain_head)
        locked[row.external_id] = rows.member(_utc(row))
    ids_of = {m.external_id: m.id for m in locked.values()}
    found_firsts: dict[Span, tuple[datetime, str] | None] = {}
    if spans:
        for n, member_id, placed_at, order_id in firsts.fetchall():
            span = (member_id, *spans[n - 1][1:])
            found_firsts[span] = (
                None if placed_at is None else (placed_at.astimezone(UTC), order_id)
            )
    wanted = {(ids_of[m], r, k) for m, r, k in ask.usage if m in ids_of}
    return BatchStart(
        stored={k: StoredResponse(f, r) for k, f, r in stored.fetchall()},
        members=locked,
        claimed={k for (k,) in claim.fetchall()},
        version=next((int(v) for (v,) in version.fetchall() if v is not None), None),
        usage=(
            {
                (m, r, k): Usage(points, times)
                for m, r, k, points, times in usage.fetchall()
                if (m, r, k) in wanted
            }
            if ask.usage
            else {}
        ),
        firsts=found_firsts,
        months=_months(months.fetchall() if ask.months else [], ids_of.values(), ask.months),
        entry_ids=sorted(int(i) for (i,) in ids.fetchall()) if ask.entries > 0 else [],
    )


def _one_by_one(conn: Connection, ask: BatchAsk) -> BatchStart:
    locked = SqlMembers(conn).lock_many(ask.program_id, ask.members)
    keys = SqlIdempotencyKeys(conn)
    stored = keys.stored_many(ask.program_id, set(ask.keys))
    claims = {
        key: fingerprint
        for key, (fingerprint, owner) in ask.keys.items()
        if key not in stored and owner in locked and locked[owner].status is MemberStatus.ACTIVE
    }
    claimed = keys.claim_many(ask.program_id, claims, ask.now)
    ids_of = {m.external_id: m.id for m in locked.values()}
    from jifen.adapters.db.earning.orders import SqlEarningStore  # noqa: PLC0415 (a cycle)

    earning = SqlEarningStore(conn)
    spans = {(ids_of[m], s, e) for m, s, e in ask.spans if m in ids_of}
    found = earning.firsts_in(spans)
    return BatchStart(
        stored=stored,
        members=locked,
        claimed=claimed,
        version=SqlProgramVersions(conn).current(ask.program_id),
        usage=earning.usage_of({(ids_of[m], r, k) for m, r, k in ask.usage if m in ids_of}),
        firsts={span: found.get(span) for span in spans},
        months=(
            _filled(SqlTiers(conn).months_of(ids_of.values()), ids_of.values())
            if ask.months
            else {}
        ),
        entry_ids=[],  # SQLite hands ids out above the transaction's own: the ledger's
    )


def _utc(row: Any) -> Any:
    """The row with its times in UTC, as ``UTCDateTime`` reads them."""
    return SimpleNamespace(
        **{
            k: (v.astimezone(UTC) if isinstance(v, datetime) else v)
            for k, v in row._asdict().items()
        }
    )


def _months(found: list[Any], member_ids: Any, asked: bool) -> dict[int, dict[int, Stats]]:
    if not asked:
        return {}
    by_member: dict[int, dict[int, Stats]] = {}
    for member_id, month, spend, points, orders in found:
        by_member.setdefault(member_id, {})[month] = Stats(int(spend), int(points), int(orders))
    return _filled(by_member, member_ids)


def _filled(found: dict[int, dict[int, Stats]], member_ids: Any) -> dict[int, dict[int, Stats]]:
    return {m: found.get(m, {}) for m in member_ids}

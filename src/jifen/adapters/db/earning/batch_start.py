"""What a batch of orders reads first (``EarningStore.start_batch``): one round trip on PostgreSQL.

Read one by one, a batch's first reads were eight statements, each a round trip and, on
the client, a statement sent and a result read: most of a lone order's CPU went there. On
PostgreSQL they are two statements in one pipeline, sent with the BEGIN: the members
locked (``_LOCK``), then the claims joined to them and every other read a scalar subquery
beside it answering one JSON value, which the client decodes in C (``_START``). The reads
begin once the locks are held, so they see what a concurrent batch of the same member
committed while this one waited for it (``test_racing_processes.py``). Each read is
written in terms of what the caller sent (members by external id), joined to the locked
members. They read what these repositories read one by one, which SQLite still does (in
process, a statement costs little there):

- ``members.lock_many``: the members, locked in id order;
- ``idempotency.stored_many`` and ``claim_many``: the keys stored before, and the
  claims of the rest whose member is active (``Member.require_active``);
- ``versions.current``: the programme's current version;
- ``earning.usage_of``: capped rules' usage;
- ``earning.firsts_in``: each week's first order, as ``_first_order`` seeks it;
- ``tiers.months_of``: the members' months of activity;
- ``ledger.next_entry_ids``: entry ids, reserved from the sequence.

``tests/integration/test_batch_start.py`` holds both ways to the repositories' answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import psycopg
from sqlalchemy import Connection, Date

from jifen.adapters.db import rows
from jifen.adapters.db.arrays import text_array, time_array
from jifen.adapters.db.begin import with_first
from jifen.adapters.db.guards import raised
from jifen.adapters.db.idempotency import SqlIdempotencyKeys
from jifen.adapters.db.ledger import chain
from jifen.adapters.db.members import SqlMembers
from jifen.adapters.db.programs import SqlProgramVersions
from jifen.adapters.db.tables import members
from jifen.adapters.db.tiers import SqlTiers
from jifen.adapters.db.types import UTCDateTime
from jifen.domain.earning import Usage
from jifen.domain.members import Member, MemberStatus
from jifen.domain.tiers import Stats
from jifen.services.challenges.ports import Progress
from jifen.services.earning.ports import BatchAsk, BatchStart, Span
from jifen.services.ports import KeyScope, StoredResponse

# First the members are locked, in id order, and their ids kept for the transaction. A
# statement reads what was committed when it began, a lock's wait after that excepted:
# locking and reading in one statement read a concurrent batch's member row as it
# committed but not that batch's orders, usage or months (it earned the week's double
# twice). The reads are a second statement, sent in the same pipeline: it begins once the
# locks are held, and reads what their holders committed.
_LOCK = """
SELECT set_config('jifen.batch_members', COALESCE(string_agg(id::text, ','), ''), true)
FROM (
    SELECT id FROM members
    WHERE program_id = %(p)s AND external_id = ANY(CAST(%(members)s AS text[]))
    ORDER BY id FOR UPDATE
) AS locked
"""

# The reads in one statement: the members this transaction locked (a member that appeared
# since is not among them: the batch does not know it yet), the claims joined to them,
# and every other read a scalar subquery beside it, each answer one JSON value. The
# subqueries read the snapshot the statement began with: the stored keys do not include
# this statement's claims.
_START = """
WITH locked AS (
    SELECT * FROM members
    WHERE program_id = %(p)s
        AND id = ANY(string_to_array(current_setting('jifen.batch_members'), ',')::bigint[])
),
claimed AS (
    INSERT INTO idempotency_keys (program_id, scope, key, fingerprint, created_at)
    SELECT %(p)s, %(scope)s, k.key, k.fingerprint, %(now)s
    FROM unnest(
        CAST(%(keys)s AS text[]), CAST(%(prints)s AS text[]), CAST(%(owners)s AS text[])
    )
        AS k(key, fingerprint, member)
    JOIN locked m ON m.external_id = k.member AND m.status = %(active)s
    ON CONFLICT (program_id, scope, key) DO NOTHING
    RETURNING key
)
SELECT
    (SELECT json_agg(locked ORDER BY id) FROM locked),
    (SELECT json_agg(json_build_array(key, fingerprint, response)) FROM idempotency_keys
        WHERE program_id = %(p)s AND scope = %(scope)s AND key = ANY(CAST(%(keys)s AS text[]))),
    (SELECT json_agg(key) FROM claimed),
    (SELECT current_version FROM programs WHERE id = %(p)s),
    (SELECT json_agg(json_build_array(u.member_id, u.rule_id, u.period, u.points, u.times))
        FROM rule_usage u JOIN locked m ON m.id = u.member_id
        WHERE u.rule_id = ANY(CAST(%(rules)s AS text[]))
            AND u.period = ANY(CAST(%(periods)s AS text[]))),
    -- as ``orders._first_order``: the first order of the span that counts for its week
    (SELECT json_agg(json_build_array(s.n, m.id, f.placed_at, f.order_id))
        FROM unnest(
            CAST(%(spans)s AS text[]),
            CAST(%(starts)s AS timestamptz[]),
            CAST(%(ends)s AS timestamptz[])
        )
            WITH ORDINALITY AS s(member, start_at, end_at, n)
        JOIN locked m ON m.external_id = s.member
        LEFT JOIN LATERAL (
            SELECT o.placed_at, o.order_id FROM orders o
            WHERE o.member_id = m.id AND o.placed_at >= s.start_at AND o.placed_at < s.end_at
                AND o.arrived_expired IS false
            ORDER BY o.placed_at, o.order_id LIMIT 1
        ) f ON true),
    (SELECT json_agg(json_build_array(mm.member_id, mm.month, mm.spend, mm.points, mm.orders))
        FROM member_months mm JOIN locked m ON m.id = mm.member_id WHERE %(months)s),
    (SELECT array_agg(nextval(pg_get_serial_sequence('entries', 'id')))
        FROM generate_series(1, %(entries)s)),
    (SELECT json_agg(json_build_array(c.member_id, c.challenge_id, c.round, c.tally, c.value,
            c.done_at, c.entry_id, c.updated_at))
        FROM challenge_progress c JOIN locked m ON m.id = c.member_id
        WHERE c.challenge_id = ANY(CAST(%(challenges)s AS text[]))
            AND c.round = ANY(CAST(%(rounds)s AS text[]))),
    (SELECT json_agg(json_build_array(b.member_id, b.board_id, b.period, b.scope_key, b.score))
        FROM leaderboard_scores b JOIN locked m ON m.id = b.member_id
        WHERE b.board_id = ANY(CAST(%(boards)s AS text[]))
            AND b.period = ANY(CAST(%(board_periods)s AS text[])))
"""

#: how each column of ``members`` comes back from JSON
_TIMES = frozenset(c.name for c in members.columns if isinstance(c.type, UTCDateTime))
_DAYS = frozenset(c.name for c in members.columns if isinstance(c.type, Date))


class SqlBatchStart:
    """``start_batch`` of ``SqlEarningStore``."""

    conn: Connection

    def start_batch(self, ask: BatchAsk) -> BatchStart:
        if self.conn.dialect.name == "postgresql":
            return _one_statement(self.conn, ask)
        return _one_by_one(self.conn, ask)


def _one_statement(conn: Connection, ask: BatchAsk) -> BatchStart:
    keys = list(ask.keys)
    spans = list(ask.spans)
    params = {
        "p": ask.program_id,
        "members": text_array(sorted(ask.members)),
        "scope": KeyScope.JIFEN.value,
        "keys": text_array(keys),
        "prints": text_array(ask.keys[k][0] for k in keys),
        "owners": text_array(ask.keys[k][1] for k in keys),
        "now": ask.now,
        "active": MemberStatus.ACTIVE.value,
        "rules": text_array(sorted({r for _, r, _ in ask.usage})),
        "periods": text_array(sorted({k for _, _, k in ask.usage})),
        "spans": text_array(m for m, _, _ in spans),
        "starts": time_array(s for _, s, _ in spans),
        "ends": time_array(e for _, _, e in spans),
        "months": ask.months,
        "entries": ask.entries,
        "challenges": text_array(sorted({c for c, _ in ask.challenges})),
        "rounds": text_array(sorted({r for _, r in ask.challenges})),
        "boards": text_array(sorted({b for b, _ in ask.boards})),
        "board_periods": text_array(sorted({p for _, p in ask.boards})),
    }
    lock = {"p": ask.program_id, "members": params["members"]}
    try:
        row = with_first(conn, [(_LOCK, lock), (_START, params)], generic=True)[-1].fetchone()
    except psycopg.Error as exc:  # the driver's own: not through SQLAlchemy
        pg: Any = conn.connection.driver_connection
        raise raised(exc, broken=pg.broken) from exc
    found, stored, claimed, version, usage, firsts, months, ids, rounds, scores = row
    locked: dict[str, Member] = {}
    for r in found or ():
        chain.remember(conn, r["id"], r["chain_head"])
        locked[r["external_id"]] = rows.member(_member_row(r))
    ids_of = {m.external_id: m.id for m in locked.values()}
    asked = set(ask.challenges)
    wanted = {(ids_of[m], r, k) for m, r, k in ask.usage if m in ids_of}
    found_firsts: dict[Span, tuple[datetime, str] | None] = {}
    for n, member_id, placed_at, order_id in firsts or ():
        span = (member_id, *spans[n - 1][1:])
        found_firsts[span] = None if placed_at is None else (_time(placed_at), order_id)
    by_member: dict[int, dict[int, Stats]] = {}
    for member_id, month, spend, points, orders in months or ():
        by_member.setdefault(member_id, {})[month] = Stats(int(spend), int(points), int(orders))
    return BatchStart(
        stored={k: StoredResponse(f, r) for k, f, r in stored or ()},
        members=locked,
        claimed=set(claimed or ()),
        version=None if version is None else int(version),
        usage={
            (m, r, k): Usage(int(points), int(times))
            for m, r, k, points, times in usage or ()
            if (m, r, k) in wanted
        },
        firsts=found_firsts,
        months=_filled(by_member, ids_of.values()) if ask.months else {},
        entry_ids=sorted(int(i) for i in ids or ()),
        progress={
            (m, c, r): Progress(
                challenge_id=c,
                round=r,
                tally=dict(t),
                value=int(v),
                done_at=_time(d) if d else None,
                entry_id=e,
                updated_at=_time(u),
            )
            for m, c, r, t, v, d, e, u in rounds or ()
            if (c, r) in asked
        },
        scores={(m, b, p, s): int(v) for m, b, p, s, v in scores or ()},
    )


def _member_row(found: dict[str, Any]) -> SimpleNamespace:
    """A member row as JSON gave it, with its times and days read back."""
    for name in _TIMES:
        if found[name] is not None:
            found[name] = _time(found[name])
    for name in _DAYS:
        if found[name] is not None:
            found[name] = date.fromisoformat(found[name])
    return SimpleNamespace(**found)


def _time(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


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


def _filled(found: dict[int, dict[int, Stats]], member_ids: Any) -> dict[int, dict[int, Stats]]:
    return {m: found.get(m, {}) for m in member_ids}

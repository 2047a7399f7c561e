"""The SQL of the nightly pipeline, one text for SQLite and PostgreSQL.

Placeholders filled per dialect: ``{lock}`` (`` FOR UPDATE`` on PostgreSQL;
SQLite's ``BEGIN IMMEDIATE`` already serialises writers), ``{obj}`` (a JSON
object builder) and ``{release_meta}``. Every statement works on the chunk
staged in session-local temporary tables (``pl_*``), so it touches only the
members this transaction has locked.

Each statement mirrors one step of the per-member path
(:func:`jifen.services.ledger.settled` with :func:`jifen.domain.ledger.settle`
and :func:`jifen.domain.ledger.release`), for members whose available balance
is not negative: their settlement never repays a debt.
"""

from __future__ import annotations

from jifen.domain.ledger import EntryKind, posted_topic

#: a posting's outbox topic, as Book.apply names it (``posted_topic``)
TOPIC = (
    "CASE e.kind " + " ".join(f"WHEN '{k}' THEN '{posted_topic(k)}'" for k in EntryKind) + " END"
)

TEMP_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS pl_members (id BIGINT PRIMARY KEY,"
    " external_id VARCHAR(128) NOT NULL, available BIGINT NOT NULL, pending BIGINT NOT NULL,"
    " held BIGINT NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS pl_lots (id BIGINT PRIMARY KEY, member_id BIGINT NOT NULL,"
    " remaining BIGINT NOT NULL, pending BOOLEAN NOT NULL)",
    "CREATE INDEX IF NOT EXISTS pl_lots_member ON pl_lots (member_id)",
    "CREATE TEMP TABLE IF NOT EXISTS pl_holds (id BIGINT PRIMARY KEY,"
    " member_id BIGINT NOT NULL, amount BIGINT NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS pl_returns (hold_id BIGINT NOT NULL, lot_id BIGINT NOT NULL,"
    " member_id BIGINT NOT NULL, give BIGINT NOT NULL, alive BOOLEAN NOT NULL,"
    " rank BIGINT NOT NULL, PRIMARY KEY (hold_id, lot_id))",
    "CREATE TEMP TABLE IF NOT EXISTS pl_entries (id BIGINT PRIMARY KEY,"
    " member_id BIGINT NOT NULL, hold_id BIGINT, kind VARCHAR(16) NOT NULL,"
    " amount BIGINT NOT NULL, da BIGINT NOT NULL, dp BIGINT NOT NULL, dh BIGINT NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS pl_windows (days INTEGER PRIMARY KEY,"
    " horizon INTEGER NOT NULL, last_day DATE NOT NULL, w_from {ts} NOT NULL, w_to {ts} NOT NULL)",
)

# The next `:n` members after `:after` (and at most `:until`, the end of a lane) with work
# due by `:cut`, in id order. Each reads
# an index in member order and stops after n members (ix_lots_member_expiry,
# ix_lots_member_pending; active holds are few).
DUE_MEMBERS = {
    "holds": """SELECT DISTINCT h.member_id FROM holds h
        WHERE h.status = 'active' AND h.expires_at <= :cut AND h.member_id > :after
          AND h.member_id <= :until
          AND h.program_id = :p
        ORDER BY h.member_id LIMIT :n""",
    "pending": """SELECT DISTINCT l.member_id FROM lots l
        WHERE l.member_id > :after AND l.member_id <= :until
          AND l.pending AND l.remaining > 0 AND l.available_at <= :cut
          AND l.program_id = :p
        ORDER BY l.member_id LIMIT :n""",
    "expiry": """SELECT DISTINCT l.member_id FROM lots l
        WHERE l.member_id > :after AND l.member_id <= :until
          AND l.remaining > 0 AND l.expires_at <= :cut
          AND l.program_id = :p
        ORDER BY l.member_id LIMIT :n""",
    "reminders": """SELECT DISTINCT l.member_id FROM lots l
        WHERE l.member_id > :after AND l.member_id <= :until
          AND l.remaining > 0 AND l.expires_at > :w_from
          AND l.expires_at <= :w_to AND l.program_id = :p
        ORDER BY l.member_id LIMIT :n""",
}

STAGE = """WITH locked AS (
        SELECT m.id, m.external_id, m.available, m.pending, m.held FROM members m
        WHERE m.id IN ({due}) ORDER BY m.id{lock})
    INSERT INTO pl_members (id, external_id, available, pending, held)
    SELECT id, external_id, available, pending, held FROM locked"""
STAGED = "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM pl_members"
DEBTORS = "SELECT id FROM pl_members WHERE available < 0 ORDER BY id"
LAST_ENTRY = "SELECT COALESCE(MAX(id), 0) FROM entries"

# --- release expired holds: ledger.release(status=expired), no debt to repay ---------------

HOLDS = """INSERT INTO pl_holds (id, member_id, amount)
    SELECT h.id, h.member_id, h.amount FROM pl_members pm JOIN holds h ON h.member_id = pm.id
    WHERE pm.available >= 0 AND h.status = 'active' AND h.expires_at <= :cut"""

# What each hold drew and has not given back, per lot (ledger_reads.net_drawn), given
# back longest-lived lot first (accounts.return_points): alive lots take the points
# back, points of lots that have ended get a grace lot or are forfeited.
RETURNS = """INSERT INTO pl_returns (hold_id, lot_id, member_id, give, alive, rank)
    WITH moves AS (
        SELECT e.hold_id, d.lot_id, d.amount AS n
        FROM pl_holds ph JOIN entries e ON e.hold_id = ph.id JOIN draws d ON d.entry_id = e.id
        UNION ALL
        SELECT e.hold_id, l.parent_lot_id, -l.amount
        FROM pl_holds ph JOIN entries e ON e.hold_id = ph.id JOIN lots l ON l.entry_id = e.id
        WHERE l.parent_lot_id IS NOT NULL
    ), net AS (
        SELECT hold_id, lot_id, SUM(n) AS net FROM moves GROUP BY hold_id, lot_id
        HAVING SUM(n) > 0
    ), ordered AS (
        SELECT net.hold_id, ph.member_id, ph.amount, net.lot_id, net.net, l.expires_at,
               SUM(net.net) OVER w - net.net AS given, ROW_NUMBER() OVER w AS rank
        FROM net JOIN pl_holds ph ON ph.id = net.hold_id JOIN lots l ON l.id = net.lot_id
        WINDOW w AS (PARTITION BY net.hold_id
                     ORDER BY l.expires_at DESC NULLS FIRST, net.lot_id DESC
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
    SELECT hold_id, lot_id, member_id,
           CASE WHEN amount - given < net THEN amount - given ELSE net END,
           CASE WHEN expires_at IS NULL OR expires_at > :cut THEN TRUE ELSE FALSE END, rank
    FROM ordered WHERE amount - given > 0"""
SHORT_RETURNS = """SELECT id FROM (
        SELECT ph.id, ph.amount,
               (SELECT COALESCE(SUM(r.give), 0) FROM pl_returns r WHERE r.hold_id = ph.id) AS s
        FROM pl_holds ph) x
    WHERE s <> amount"""
RELEASE_ENTRIES = """INSERT INTO entries (program_id, member_id, kind, amount, delta_available,
        delta_pending, delta_held, hold_id, meta, created_at)
    SELECT :p, member_id, 'release', amount, amount - :forfeit * ended, 0, -amount, id,
           {release_meta}, :cut
    FROM (SELECT ph.id, ph.member_id, ph.amount,
                 (SELECT COALESCE(SUM(r.give), 0) FROM pl_returns r
                  WHERE r.hold_id = ph.id AND NOT r.alive) AS ended
          FROM pl_holds ph) h
    ORDER BY member_id, id"""
RELEASE_META = {
    "postgresql": "jsonb_strip_nulls(jsonb_build_object("
    "'forfeited', NULLIF(:forfeit * ended, 0), 'reissued', NULLIF((1 - :forfeit) * ended, 0)))",
    "sqlite": "json_patch('{}', json_object("
    "'forfeited', NULLIF(:forfeit * ended, 0), 'reissued', NULLIF((1 - :forfeit) * ended, 0)))",
}
RELEASE_DRAWS = """INSERT INTO draws (entry_id, lot_id, amount)
    SELECT pe.id, r.lot_id, -r.give FROM pl_entries pe JOIN pl_returns r ON r.hold_id = pe.hold_id
    WHERE r.alive ORDER BY pe.id, r.rank"""
RETURN_TO_LOTS = """UPDATE lots SET remaining = lots.remaining + s.give
    FROM (SELECT lot_id, SUM(give) AS give FROM pl_returns WHERE alive GROUP BY lot_id) s
    WHERE lots.id = s.lot_id AND lots.remaining + s.give <= lots.amount"""
RETURNED_LOTS = "SELECT COUNT(DISTINCT lot_id) FROM pl_returns WHERE alive"
GRACE_LOTS = """INSERT INTO lots (program_id, member_id, entry_id, amount, remaining, available_at,
        expires_at, issued_expires_at, pending, source, parent_lot_id, created_at)
    SELECT :p, r.member_id, pe.id, r.give, r.give, :cut, :grace_end, :grace_end, FALSE,
           'reversal', r.lot_id, :cut
    FROM pl_entries pe JOIN pl_returns r ON r.hold_id = pe.hold_id
    WHERE NOT r.alive ORDER BY pe.id, r.rank"""
EXPIRE_HOLDS = """UPDATE holds SET status = 'expired', captured = 0, settled_at = :cut
    WHERE id IN (SELECT id FROM pl_holds) AND status = 'active'"""

# --- mature pending lots: ledger.settle's MATURE posting, nothing to repay ---------------

PENDING_LOTS = """INSERT INTO pl_lots (id, member_id, remaining, pending)
    SELECT l.id, l.member_id, l.remaining, l.pending FROM pl_members pm
    JOIN lots l ON l.member_id = pm.id
    WHERE pm.available >= 0 AND l.pending AND l.remaining > 0 AND l.available_at <= :cut"""
MATURE_ENTRIES = """INSERT INTO entries (program_id, member_id, kind, amount, delta_available,
        delta_pending, delta_held, meta, created_at)
    SELECT :p, member_id, 'mature', SUM(remaining), SUM(remaining), -SUM(remaining), 0, '{{}}',
           :cut
    FROM pl_lots GROUP BY member_id ORDER BY member_id"""
MATURE_LOTS = """UPDATE lots SET pending = FALSE FROM pl_lots p
    WHERE lots.id = p.id AND lots.pending"""

# --- expire due lots: ledger.settle's EXPIRE posting, one entry per member ----------------

DUE_LOTS = """INSERT INTO pl_lots (id, member_id, remaining, pending)
    SELECT l.id, l.member_id, l.remaining, l.pending FROM pl_members pm
    JOIN lots l ON l.member_id = pm.id
    WHERE pm.available >= 0 AND l.remaining > 0 AND l.expires_at <= :cut"""
EXPIRE_ENTRIES = """INSERT INTO entries (program_id, member_id, kind, amount, delta_available,
        delta_pending, delta_held, meta, created_at)
    SELECT :p, member_id, 'expire', SUM(remaining),
           -SUM(CASE WHEN pending THEN 0 ELSE remaining END),
           -SUM(CASE WHEN pending THEN remaining ELSE 0 END), 0, '{{}}', :cut
    FROM pl_lots GROUP BY member_id ORDER BY member_id"""
EXPIRE_DRAWS = """INSERT INTO draws (entry_id, lot_id, amount)
    SELECT pe.id, l.id, l.remaining FROM pl_entries pe JOIN pl_lots l ON l.member_id = pe.member_id
    ORDER BY pe.id, l.id"""
EXPIRE_LOTS = """UPDATE lots SET remaining = lots.remaining - p.remaining FROM pl_lots p
    WHERE lots.id = p.id AND lots.remaining - p.remaining >= 0"""

# --- common to the three: the entries written, balances, outbox --------------------------

NEW_ENTRIES = """INSERT INTO pl_entries (id, member_id, hold_id, kind, amount, da, dp, dh)
    SELECT e.id, e.member_id, e.hold_id, e.kind, e.amount, e.delta_available, e.delta_pending,
           e.delta_held
    FROM pl_members pm JOIN entries e ON e.member_id = pm.id
    WHERE e.id > :before AND e.kind = :kind AND pm.available >= 0"""
ENTRY_TOTALS = """SELECT COUNT(*), COUNT(DISTINCT member_id), COALESCE(SUM(amount), 0)
    FROM pl_entries"""
MOVE_BALANCES = """UPDATE members SET available = members.available + d.da,
        pending = members.pending + d.dp, held = members.held + d.dh, updated_at = :cut
    FROM (SELECT member_id, SUM(da) AS da, SUM(dp) AS dp, SUM(dh) AS dh
          FROM pl_entries GROUP BY member_id) d
    WHERE members.id = d.member_id AND members.pending + d.dp >= 0 AND members.held + d.dh >= 0
      AND (d.da >= 0 OR members.available + d.da >= 0)"""
# what Book.apply writes: the balances after each entry, in entry order per member
OUTBOX = """INSERT INTO outbox (program_id, topic, payload, created_at)
    SELECT :p, {topic}, {obj}('member', pm.external_id, 'entry_id', e.id,
           'kind', e.kind, 'points', e.da + e.dp + e.dh,
           'amount', e.amount, 'reference', NULL, 'hold_id', e.hold_id,
           'available', pm.available + SUM(e.da) OVER w,
           'pending', pm.pending + SUM(e.dp) OVER w,
           'held', pm.held + SUM(e.dh) OVER w), :cut
    FROM pl_entries e JOIN pl_members pm ON pm.id = e.member_id
    WINDOW w AS (PARTITION BY e.member_id ORDER BY e.id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ORDER BY e.id"""

# --- reminders -------------------------------------------------------------------------

REMINDER_MEMBERS = """INSERT INTO pl_members (id, external_id, available, pending, held)
    SELECT m.id, m.external_id, 0, 0, 0 FROM members m WHERE m.id IN ({due})"""
WINDOW_ROW = """INSERT INTO pl_windows (days, horizon, last_day, w_from, w_to)
    VALUES (:days, :horizon, :last_day, :w_from, :w_to)"""
LAST_REMINDER = "SELECT COALESCE(MAX(id), 0) FROM expiry_reminders"
REMIND = """INSERT INTO expiry_reminders (program_id, member_id, day, horizon, days, points,
        created_at)
    SELECT :p, x.member_id, x.last_day, x.horizon, x.days, x.points, :now FROM (
        SELECT l.member_id, w.last_day, w.horizon, w.days, SUM(l.remaining) AS points
        FROM pl_members pm JOIN members m ON m.id = pm.id JOIN lots l ON l.member_id = pm.id
        JOIN pl_windows w ON l.expires_at > w.w_from AND l.expires_at <= w.w_to
        WHERE m.status = 'active' AND l.remaining > 0 AND l.expires_at > :w_from
          AND l.expires_at <= :w_to
        GROUP BY l.member_id, w.last_day, w.horizon, w.days) x
    WHERE TRUE ORDER BY x.member_id, x.last_day, x.horizon
    ON CONFLICT (member_id, day, horizon) DO NOTHING"""
REMINDER_EVENTS = """INSERT INTO outbox (program_id, topic, payload, created_at)
    SELECT :p, 'points.expiry_approached', {obj}('member', pm.external_id, 'points', r.points,
           'date', r.day, 'days', r.days, 'horizon', r.horizon), :now
    FROM expiry_reminders r JOIN pl_members pm ON pm.id = r.member_id
    WHERE r.id > :before ORDER BY r.id"""
FORGET_REMINDERS = "DELETE FROM expiry_reminders WHERE program_id = :p AND day < :day"

"""The nightly pipeline's set-based steps: a chunk of members per transaction.

``stage`` picks the next members with work due (walking an index in member id
order), locks their rows in id order (``FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already holds the only write lock) and copies them to a
temporary table. Each step then writes with a handful of INSERT ... SELECT and
UPDATE ... FROM statements over that table: no Python loop per member or lot. The
one loop is the hash chain's (``chain_written``): the entries a step wrote are read
back once and hashed in Python, then their hashes and the members' heads are written
in two executemany updates. Every guarded write checks its row count, as the
per-member path does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Date, Select, TextClause, bindparam, column, select, text
from sqlalchemy import table as sql_table

from jifen.adapters.db.ledger.chain import chain_written
from jifen.adapters.db.nightly import pipeline_sql as q
from jifen.adapters.db.tables import entries
from jifen.adapters.db.types import UTCDateTime
from jifen.domain.errors import LedgerConflict, LedgerInconsistent
from jifen.domain.nightly import ReminderWindow
from jifen.services.nightly.ports import Applied, DueWork, Reminded, Staged

_TYPES: dict[str, Any] = {
    "cut": UTCDateTime(),
    "now": UTCDateTime(),
    "grace_end": UTCDateTime(),
    "w_from": UTCDateTime(),
    "w_to": UTCDateTime(),
    "day": Date(),
    "last_day": Date(),
}
_STAGED_ENTRIES: Select[Any] = select(column("id")).select_from(sql_table("pl_entries"))
_DIALECT = {
    "postgresql": {"lock": " FOR UPDATE", "obj": "jsonb_build_object", "ts": "TIMESTAMPTZ"},
    "sqlite": {"lock": "", "obj": "json_object", "ts": "TEXT"},
}


class _Statements:
    """Every statement compiled once per dialect, with typed parameters."""

    def __init__(self, dialect: str) -> None:
        subs = {**_DIALECT[dialect], "release_meta": q.RELEASE_META[dialect]}
        self.cache: dict[str, TextClause] = {}
        self.subs = subs

    def __call__(self, sql: str, **extra: str) -> TextClause:
        key = sql + repr(sorted(extra.items()))
        found = self.cache.get(key)
        if found is None:
            body = sql.format(**self.subs, **extra)
            names = set(re.findall(r"(?<!:):(\w+)", body))
            found = text(body).bindparams(
                *[bindparam(n, type_=t) for n, t in _TYPES.items() if n in names]
            )
            self.cache[key] = found
        return found


_STATEMENTS: dict[str, _Statements] = {}


class SqlNightly:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        dialect = conn.dialect.name
        self.sql = _STATEMENTS.setdefault(dialect, _Statements(dialect))
        self._ready = False

    # ---------------------------------------------------------------- staging

    def stage(
        self, program_id: int, due: DueWork, cutoff: datetime, after: int, limit: int, until: int
    ) -> Staged:
        self._reset("pl_members")
        stage = self.sql(q.STAGE, due=q.DUE_MEMBERS[due.value])
        self._run(stage, p=program_id, cut=cutoff, after=after, n=limit, until=until)
        self._analyze("pl_members")
        count, last = self._run(self.sql(q.STAGED)).one()
        debtors = tuple(int(r[0]) for r in self._run(self.sql(q.DEBTORS)))
        return Staged(int(count), int(last), debtors)

    def last_member_id(self, program_id: int) -> int:
        found = self.conn.execute(
            text("SELECT COALESCE(MAX(id), 0) FROM members WHERE program_id = :p"),
            {"p": program_id},
        ).scalar_one()
        return int(found)

    # ---------------------------------------------------------------- settlement

    def release_holds(self, program_id: int, cutoff: datetime, grace: timedelta) -> Applied:
        self._reset("pl_holds", "pl_returns")
        holds = self._run(self.sql(q.HOLDS), cut=cutoff).rowcount
        if not holds:
            return Applied()
        self._analyze("pl_holds")
        self._run(self.sql(q.RETURNS), cut=cutoff)
        short = self._run(self.sql(q.SHORT_RETURNS)).first()
        if short is not None:
            raise LedgerInconsistent(
                f"hold {short[0]} drew fewer points than it holds", hold=int(short[0])
            )
        forfeit = 0 if grace > timedelta(0) else 1
        before = self._last_entry()
        self._run(self.sql(q.RELEASE_ENTRIES), p=program_id, cut=cutoff, forfeit=forfeit)
        self._collect("release", before)
        self._run(self.sql(q.RELEASE_DRAWS))
        returned = int(self._run(self.sql(q.RETURNED_LOTS)).scalar_one())
        self._expect(self._run(self.sql(q.RETURN_TO_LOTS)).rowcount, returned, "lots")
        reissued = 0
        if not forfeit:
            reissued = self._run(
                self.sql(q.GRACE_LOTS), p=program_id, cut=cutoff, grace_end=cutoff + grace
            ).rowcount
        self._expect(self._run(self.sql(q.EXPIRE_HOLDS), cut=cutoff).rowcount, holds, "holds")
        return self._finish(program_id, cutoff, lots=returned + reissued, holds=holds)

    def mature(self, program_id: int, cutoff: datetime) -> Applied:
        lots = self._stage_lots(q.PENDING_LOTS, cutoff)
        if not lots:
            return Applied()
        before = self._last_entry()
        self._run(self.sql(q.MATURE_ENTRIES), p=program_id, cut=cutoff)
        self._collect("mature", before)
        self._expect(self._run(self.sql(q.MATURE_LOTS)).rowcount, lots, "pending lots")
        return self._finish(program_id, cutoff, lots=lots)

    def expire(self, program_id: int, cutoff: datetime) -> Applied:
        lots = self._stage_lots(q.DUE_LOTS, cutoff)
        if not lots:
            return Applied()
        before = self._last_entry()
        self._run(self.sql(q.EXPIRE_ENTRIES), p=program_id, cut=cutoff)
        self._collect("expire", before)
        self._run(self.sql(q.EXPIRE_DRAWS))
        self._expect(self._run(self.sql(q.EXPIRE_LOTS)).rowcount, lots, "lots")
        return self._finish(program_id, cutoff, lots=lots)

    # ---------------------------------------------------------------- reminders

    def remind(
        self,
        program_id: int,
        windows: Sequence[ReminderWindow],
        after: int,
        limit: int,
        now: datetime,
        until: int,
    ) -> Reminded:
        self._reset("pl_members", "pl_windows")
        span = {"w_from": windows[0].after, "w_to": windows[-1].until}
        due = q.DUE_MEMBERS["reminders"]
        self._run(
            self.sql(q.REMINDER_MEMBERS, due=due),
            p=program_id,
            after=after,
            n=limit,
            until=until,
            **span,
        )
        count, last = self._run(self.sql(q.STAGED)).one()
        if not count:
            return Reminded(0, after, 0)
        self._analyze("pl_members")
        self.conn.execute(
            self.sql(q.WINDOW_ROW),
            [
                {
                    "days": w.days,
                    "horizon": w.horizon,
                    "last_day": w.last_day,
                    "w_from": w.after,
                    "w_to": w.until,
                }
                for w in windows
            ],
        )
        before = int(self._run(self.sql(q.LAST_REMINDER)).scalar_one())
        self._run(self.sql(q.REMIND), p=program_id, now=now, **span)
        events = self._run(self.sql(q.REMINDER_EVENTS), p=program_id, now=now, before=before)
        return Reminded(int(count), int(last), events.rowcount)

    def forget_reminders(self, program_id: int, before: date) -> int:
        return int(self._run(self.sql(q.FORGET_REMINDERS), p=program_id, day=before).rowcount)

    # ---------------------------------------------------------------- helpers

    def _stage_lots(self, sql: str, cutoff: datetime) -> int:
        self._reset("pl_lots")
        lots = self._run(self.sql(sql), cut=cutoff).rowcount
        if lots:
            self._analyze("pl_lots")
        return int(lots)

    def _last_entry(self) -> int:
        return int(self._run(self.sql(q.LAST_ENTRY)).scalar_one())

    def _collect(self, kind: str, before: int) -> None:
        """Stage the entries just written (ids above ``before``, of the locked members)."""
        self._reset("pl_entries")
        self._run(self.sql(q.NEW_ENTRIES), before=before, kind=kind)
        self._analyze("pl_entries")

    def _finish(self, program_id: int, cutoff: datetime, *, lots: int, holds: int = 0) -> Applied:
        chain_written(self.conn, entries.c.id.in_(_STAGED_ENTRIES))  # hashed in Python
        written, members, points = self._run(self.sql(q.ENTRY_TOTALS)).one()
        moved = self._run(self.sql(q.MOVE_BALANCES), cut=cutoff).rowcount
        self._expect(moved, int(members), "member balances")
        self._run(self.sql(q.OUTBOX, topic=q.TOPIC), p=program_id, cut=cutoff)
        return Applied(int(members), int(written), lots, int(points), holds)

    def _expect(self, found: int, expected: int, what: str) -> None:
        if found != expected:
            raise LedgerConflict(
                f"{what} changed under the nightly pipeline ({found} of {expected}); run it again"
            )

    def _reset(self, *tables: str) -> None:
        if not self._ready:
            for ddl in q.TEMP_TABLES:
                self.conn.execute(self.sql(ddl))
            if self.postgres:
                # Every statement joins a chunk (thousands of staged rows) to tables of
                # millions by an index. Without statistics on how the chunk's ids spread,
                # the planner may prefer to scan a whole table into a hash join: once per
                # chunk, that turns a night into hours. For this transaction only, it
                # probes the indexes instead.
                self.conn.execute(text("SET LOCAL enable_hashjoin = off"))
                self.conn.execute(text("SET LOCAL enable_mergejoin = off"))
            self._ready = True
        for table in tables:
            self.conn.execute(text(f"DELETE FROM {table}"))

    def _analyze(self, table: str) -> None:
        # PostgreSQL keeps no statistics for temporary tables unless asked; without them
        # it may plan a chunk of thousands as if it were empty.
        if self.postgres:
            self.conn.execute(text(f"ANALYZE {table}"))

    def _run(self, statement: TextClause, **params: Any) -> Any:
        return self.conn.execute(statement, params)

"""Attempts at the doors (codes asked for, console sign-ins failed), counted in SQL.

The counts live in the database so that every server process sees the same ones:
a limit held in one process's memory is a limit per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, text

from jifen.adapters.db.tables import door_attempts


class SqlDoors:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def hold(self, subjects: Sequence[str]) -> None:
        """PostgreSQL: lock each subject until the transaction ends (in one order, so two
        transactions never wait on each other crosswise); SQLite's writers are one at a time."""
        if self.conn.dialect.name != "postgresql":
            return
        lock = text("SELECT pg_advisory_xact_lock(hashtextextended(:s, 15))")
        for subject in sorted(set(subjects)):
            self.conn.execute(lock, {"s": subject})

    def count(self, door: str, scope: str, subject: str, since: datetime) -> int:
        c = door_attempts.c
        return int(
            self.conn.execute(
                select(func.count()).where(
                    c.door == door, c.scope == scope, c.subject == subject, c.at > since
                )
            ).scalar_one()
        )

    def add(self, door: str, subjects: Sequence[tuple[str, str]], now: datetime) -> None:
        rows = [{"door": door, "scope": s, "subject": x, "at": now} for s, x in subjects]
        if rows:
            self.conn.execute(insert(door_attempts), rows)

    def forget(self, door: str, scope: str, subject: str) -> int:
        c = door_attempts.c
        done = self.conn.execute(
            delete(door_attempts).where(c.door == door, c.scope == scope, c.subject == subject)
        )
        return int(done.rowcount)

    def forget_before(self, cutoff: datetime) -> int:
        done = self.conn.execute(delete(door_attempts).where(door_attempts.c.at < cutoff))
        return int(done.rowcount)

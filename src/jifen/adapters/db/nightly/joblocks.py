"""One runner per (programme, job): a PostgreSQL advisory lock, or a file lock for SQLite.

PostgreSQL: ``pg_try_advisory_lock(program_id, crc32(job))`` on a connection
held for the whole job; the server releases it if the process dies. SQLite:
``flock`` on a file next to the database (``<db>.<program>-<job>.lock``), which
the kernel releases if the process dies. An in-memory SQLite database lives in
one process, so a process-local lock is enough there.
"""

from __future__ import annotations

import fcntl
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from jifen.services.nightly.ports import JobLocks


def _key(job: str) -> int:
    """The job name as a signed 32-bit advisory-lock key."""
    return zlib.crc32(job.encode()) - 2**31


class PostgresJobLocks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def hold(self, program_id: int, job: str) -> Iterator[bool]:
        keys = {"a": program_id, "b": _key(job)}
        with self.engine.connect() as conn:
            taken = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(CAST(:a AS integer), CAST(:b AS integer))"),
                    keys,
                ).scalar_one()
            )
            conn.commit()  # the lock belongs to the session; no transaction stays open
            try:
                yield taken
            finally:
                if taken:
                    conn.execute(
                        text("SELECT pg_advisory_unlock(CAST(:a AS integer), CAST(:b AS integer))"),
                        keys,
                    )
                    conn.commit()


class FileJobLocks:
    def __init__(self, database: Path) -> None:
        self.database = database

    @contextmanager
    def hold(self, program_id: int, job: str) -> Iterator[bool]:
        path = self.database.with_name(f"{self.database.name}.{program_id}-{job}.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class ProcessJobLocks:
    def __init__(self) -> None:
        self._locks: dict[tuple[int, str], threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, program_id: int, job: str) -> Iterator[bool]:
        with self._guard:
            lock = self._locks.setdefault((program_id, job), threading.Lock())
        taken = lock.acquire(blocking=False)
        try:
            yield taken
        finally:
            if taken:
                lock.release()


def job_locks_for(engine: Engine) -> JobLocks:
    if engine.dialect.name == "postgresql":
        return PostgresJobLocks(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        return ProcessJobLocks()
    return FileJobLocks(Path(database).resolve())

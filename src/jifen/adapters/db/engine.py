"""Engines configured for a money ledger on SQLite or PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def upsert_insert(conn: Connection) -> Callable[[Table], Any]:
    """The dialect's ``insert``, which has ``on_conflict_do_nothing``/``..._do_update``."""
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


#: Seconds to wait for PostgreSQL to accept a connection before the request is a 503
CONNECT_TIMEOUT = 5


def create_engine_for(
    url: str, *, pool_size: int = 10, connect_timeout: int = CONNECT_TIMEOUT
) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip at every checkout. A connection the server
        # dropped (a restart) fails its first statement instead; SQLAlchemy then
        # invalidates the whole pool, that request is a 503 (``uow._lost``), and the next
        # checkouts connect afresh.
        connect_args={"connect_timeout": connect_timeout},
        json_serializer=json_bytes,  # psycopg takes the bytes as they are
        future=True,
    )
    event.listen(engine, "before_cursor_execute", _reads_only_when_reading)
    return engine


_KEYS = orjson.OPT_NON_STR_KEYS  # ``{1: x}`` as ``json.dumps`` writes it: ``{"1": x}``


def json_bytes(value: Any) -> bytes:
    """A JSON column's value as the database gets it: orjson, several times faster than
    ``json.dumps`` (a batch of orders writes thousands); what orjson cannot encode (an
    integer past 64 bits, an object of no JSON type) goes to ``json.dumps``, which refuses
    the latter as before. Two departures from ``json.dumps``: NaN and infinities are
    written as null (JSON has no such numbers; PostgreSQL refused them), and times,
    dates, enums and dataclasses are written as orjson writes them."""
    try:
        return orjson.dumps(value, option=_KEYS)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value).encode()


def json_text(value: Any) -> str:
    """``json_bytes`` as text, as SQLite stores JSON."""
    return json_bytes(value).decode()


#: What a read-only unit of work may send: a query that changes and locks nothing
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|DROP|ALTER|LOCK)\b")


class WriteInRead(AssertionError):
    """A defect: a unit of work opened to read (``write=False``) sent a write or a lock."""


def _reads_only_when_reading(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    """A read-only unit of work on PostgreSQL runs without a transaction (``uow``): a
    write there would commit at once, alone, and a lock would hold nothing. Refused."""
    if conn.get_execution_options().get("jifen_write", True):
        return
    if not statement.lstrip().startswith(("SELECT", "WITH")) or _WRITES.search(statement):
        raise WriteInRead(f"a read-only unit of work sent: {statement[:120]}")


def _sqlite_engine(url: str) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, json_serializer=json_text, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL" if not memory else "PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: no lock upgrade, no deadlock.
        write = conn.get_execution_options().get("jifen_write", True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine

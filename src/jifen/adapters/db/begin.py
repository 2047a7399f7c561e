"""A transaction begun together with its first statement (PostgreSQL).

psycopg starts a transaction by sending ``BEGIN`` before the first statement and waiting
for its answer, in a pipeline too: a round trip of its own. ``with_first(conn, ...)``
sends ``BEGIN`` and the first statements in one pipeline instead. To do so the driver's
connection is put in autocommit (so that it sends no ``BEGIN`` of its own) and the
transaction is begun explicitly; every later statement of the unit of work runs inside
it, since the server is in a transaction whatever the driver believes, and COMMIT or
ROLLBACK ends it as before (psycopg sends them whenever the server is in a transaction).

``generic=True`` also plans the transaction's statements once per connection
(``plan_cache_mode = force_generic_plan``, local to the transaction and sent in the same
pipeline): for a statement of fixed shape sent at every order (the order path's reads and
writes) PostgreSQL otherwise chose a custom plan at every execution, planning took as long
as running it, and every connection's plan was the same. Cached plans are remade when
their tables' statistics change (an ``ANALYZE``).

The connection goes back to the driver's own transactions as soon as the transaction is
over (``ended``, called by the unit of work after its COMMIT or ROLLBACK); a connection
that could not be put back is invalidated, never returned to the pool in autocommit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import IsolationLevel
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection

_BEGUN = "jifen_begun_with_first"  # in the connection's info: autocommit to undo
#: the transaction plans its statements once per connection (``generic``; the bench too)
GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan"


def with_first(
    conn: Connection, statements: Sequence[tuple[str, dict[str, Any]]], *, generic: bool = False
) -> list[Any]:
    """The cursors of ``statements`` (the first writes or locks), sent in one pipeline, with
    the BEGIN of the transaction if none has begun yet: one round trip. Each statement
    runs after the one before it has finished, a lock's wait included, and (READ
    COMMITTED) reads what was committed when it starts. ``generic``: the transaction's
    statements are planned once per connection (see above)."""
    pg: Any = conn.connection.driver_connection
    if pg.autocommit and not conn.info.get(_BEGUN):
        # a unit of work opened to read runs in autocommit: this would write alone
        raise AssertionError("a statement that writes, sent on a connection in autocommit")
    begin = None
    if not pg.autocommit and pg.info.transaction_status == TransactionStatus.IDLE:
        begin = _begin_of(pg)
        pg.autocommit = True
        conn.info[_BEGUN] = True
    with pg.pipeline():
        if begin is not None:
            pg.execute(begin)
        if generic:
            pg.execute(GENERIC_PLANS)
        cursors = [pg.execute(statement, params) for statement, params in statements]
    return cursors  # noqa: RET504 (answered at the pipeline's end, not inside it)


def ended(conn: Connection) -> None:
    """After the transaction's COMMIT or ROLLBACK: the driver begins the next one again."""
    if conn.invalidated:  # lost: the pool connects afresh, with the driver's own settings
        return
    if not conn.info.pop(_BEGUN, False):
        return
    pg: Any = conn.connection.driver_connection
    if pg.info.transaction_status == TransactionStatus.IDLE:
        pg.autocommit = False
    else:  # never hand on a connection in autocommit inside a transaction
        conn.invalidate()


def _begin_of(pg: Any) -> str:
    """The BEGIN psycopg itself would send, with the connection's settings."""
    parts = ["BEGIN"]
    if pg.isolation_level is not None:
        parts.append("ISOLATION LEVEL " + IsolationLevel(pg.isolation_level).name.replace("_", " "))
    if pg.read_only is not None:
        parts.append("READ ONLY" if pg.read_only else "READ WRITE")
    if pg.deferrable is not None:
        parts.append("DEFERRABLE" if pg.deferrable else "NOT DEFERRABLE")
    return " ".join(parts)

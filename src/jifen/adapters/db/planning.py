"""Planner settings for statements that join a chunk of rows to a large table.

A chunk of a few thousand members joined to ``members`` by id is best done by
probing the primary key once per row. PostgreSQL's planner, costing random
reads high, often prefers to scan the whole table into a hash join instead:
once per chunk, that makes a night grow with the square of the membership
(1,000,000 members in chunks of 5,000 is 200 full scans).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

# The settings before the block are kept in the session's own variables, not read back
# to the client: the block may be sent in a pipeline (``uow.commit_with``), which reads
# no answer before its end.
_KEEP = text(
    "SELECT set_config('jifen.hashjoin', current_setting('enable_hashjoin'), true),"
    " set_config('jifen.mergejoin', current_setting('enable_mergejoin'), true)"
)
_PROBE = text(
    "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
)
_BACK = text(
    "SELECT set_config('enable_hashjoin', current_setting('jifen.hashjoin'), true),"
    " set_config('enable_mergejoin', current_setting('jifen.mergejoin'), true)"
)


@contextmanager
def probe_indexes(conn: Connection) -> Iterator[None]:
    """Within the block, join by index probes (PostgreSQL; a no-op elsewhere).

    The previous settings come back after the block; if a statement fails the
    transaction is lost anyway, and with it the transaction-local settings.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    conn.execute(_KEEP)
    conn.execute(_PROBE)
    yield
    conn.execute(_BACK)

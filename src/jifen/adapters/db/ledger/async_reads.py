"""A member's balance and history read in the event loop, on PostgreSQL (ADR 0025).

:class:`PgAsyncReads` is the ``AsyncLedgerReads`` port: psycopg's async driver on a pool
of its own (psycopg_pool), each read one statement in autocommit (no transaction, no
lock), prepared on the server after its first few runs. The statements are the
synchronous adapters' own (``reads.py``, ``members.py``), compiled once for PostgreSQL;
the rows are read by the same functions (``rows.py``). What SQLAlchemy does per execution (the
compiled cache's key, the result's processors) is done once here, at import: the
sessions run in UTC, so the times come back as the tables' ``UTCDateTime`` gives them.

A read answered here waits for no thread of the pool and no group of orders: under the
mixed load it queues only for the event loop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection, OperationalError
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.sql import ClauseElement

from jifen.adapters.db import rows
from jifen.adapters.db.ledger.reads import MEMBER_HISTORY, NO_CURSOR, STANDING
from jifen.adapters.db.members import MEMBER_BY_EXTERNAL_ID
from jifen.domain.errors import Unavailable
from jifen.domain.members import Member
from jifen.services.ledger.ports import Page, Standing

_DIALECT = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


class _Compiled:
    """A statement as psycopg takes it, with the literal values SQLAlchemy bound in it."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.fixed = dict(compiled.params)

    def params(self, given: dict[str, Any]) -> dict[str, Any]:
        return {**self.fixed, **given}


_STANDING_SQL = _Compiled(STANDING)
_HISTORY_SQL = _Compiled(MEMBER_HISTORY)
_MEMBER_SQL = _Compiled(MEMBER_BY_EXTERNAL_ID)
# reads.earned_spans with the ids as one array (an IN list would be a statement per length)
_SPANS = (
    "SELECT d.entry_id, min(l.created_at), max(l.created_at) FROM draws d "
    "JOIN lots l ON l.id = d.lot_id WHERE d.entry_id = ANY(%(ids)s) GROUP BY d.entry_id"
)


def conninfo(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://...``) as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgAsyncReads:
    """See the module's docstring. ``open`` in the event loop that reads, ``close`` after."""

    def __init__(self, url: str, *, max_size: int, connect_timeout: int) -> None:
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            conninfo(url),
            min_size=1,
            max_size=max_size,
            open=False,
            timeout=float(connect_timeout),
            kwargs={
                "autocommit": True,
                "row_factory": namedtuple_row,
                "options": "-c TimeZone=UTC -c default_transaction_read_only=on",
                "connect_timeout": connect_timeout,
            },
        )

    async def open(self) -> None:
        # wait=False: a server started before its database answers reads once it does
        await self._pool.open(wait=False)

    async def close(self) -> None:
        await self._pool.close()

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[Any]:
        try:
            async with self._pool.connection() as conn:
                cursor = await conn.execute(sql, params, prepare=True)
                return await cursor.fetchall()
        except (OperationalError, PoolTimeout) as exc:
            raise Unavailable("the database cannot be reached") from exc

    async def standing(
        self, program_id: int, external_id: str, now: datetime, until: datetime
    ) -> Standing | None:
        params = {
            "b_program": program_id,
            "b_external": external_id,
            "b_now": now,
            "b_until": until,
        }
        found = await self._rows(_STANDING_SQL.sql, _STANDING_SQL.params(params))
        if not found:
            return None
        row = found[0]
        return Standing(rows.member(row), bool(row.jifen_due), int(row.jifen_expiring))

    async def member(self, program_id: int, external_id: str) -> Member | None:
        params = {"b_program": program_id, "b_external": external_id}
        found = await self._rows(_MEMBER_SQL.sql, _MEMBER_SQL.params(params))
        return rows.member(found[0]) if found else None

    async def member_history(
        self, program_id: int, external_id: str, before: int | None, limit: int
    ) -> Page:
        params = {
            "b_program": program_id,
            "b_external": external_id,
            "b_before": NO_CURSOR if before is None else before,
            "b_limit": limit + 1,
        }
        found = [
            rows.entry(r) for r in await self._rows(_HISTORY_SQL.sql, _HISTORY_SQL.params(params))
        ]
        more = len(found) > limit
        found = found[:limit]
        return Page(found, found[-1].id if more else None)

    async def earned_spans(self, entry_ids: list[int]) -> dict[int, tuple[datetime, datetime]]:
        if not entry_ids:
            return {}
        found = await self._rows(_SPANS, {"ids": entry_ids})
        return {int(r[0]): (r[1].astimezone(UTC), r[2].astimezone(UTC)) for r in found}

"""Idempotency keys: claimed before a write, the response stored with it and replayed.

A key is unique per programme and scope (a caller's keys apart from jifen's own:
``KeyScope``). Claiming one is an INSERT ... ON CONFLICT DO NOTHING:
on PostgreSQL a second claim of the same key waits for the first transaction to end.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db.many import execute_many
from jifen.adapters.db.rows import chunks
from jifen.adapters.db.tables import idempotency_keys
from jifen.services.ports import KeyScope, StoredResponse


def _claim(dialect_insert: Any) -> Any:
    return (
        dialect_insert(idempotency_keys)
        .on_conflict_do_nothing(index_elements=["program_id", "scope", "key"])
        .returning(idempotency_keys.c.key)
    )


# Built once per dialect: these run on every write.
_CLAIM = {"postgresql": _claim(postgresql.insert), "sqlite": _claim(sqlite.insert)}
_STORED = select(idempotency_keys.c.fingerprint, idempotency_keys.c.response).where(
    idempotency_keys.c.program_id == bindparam("b_program"),
    idempotency_keys.c.scope == bindparam("b_scope"),
    idempotency_keys.c.key == bindparam("b_key"),
)
_RECORD = (
    update(idempotency_keys)
    .where(
        idempotency_keys.c.program_id == bindparam("b_program"),
        idempotency_keys.c.scope == bindparam("b_scope"),
        idempotency_keys.c.key == bindparam("b_key"),
    )
    .values(response=bindparam("b_response", type_=idempotency_keys.c.response.type))
)


_JIFEN = KeyScope.JIFEN.value  # the batches' keys (the ``_many`` methods) are jifen's own


class SqlIdempotencyKeys:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(
        self,
        program_id: int,
        key: str,
        fingerprint: str,
        now: datetime,
        scope: KeyScope = KeyScope.CALLER,
    ) -> StoredResponse | None:
        # On PostgreSQL this waits for a concurrent transaction holding the same
        # key: when it commits we see its response, when it rolls back we win.
        claimed = self.conn.execute(
            _CLAIM[self.conn.dialect.name],
            {
                "program_id": program_id,
                "scope": scope.value,
                "key": key,
                "fingerprint": fingerprint,
                "created_at": now,
            },
        ).first()
        if claimed is not None:
            return None
        where = {"b_program": program_id, "b_scope": scope.value, "b_key": key}
        row = self.conn.execute(_STORED, where).one()
        return StoredResponse(row.fingerprint, row.response)

    def record(
        self,
        program_id: int,
        key: str,
        response: dict[str, Any],
        scope: KeyScope = KeyScope.CALLER,
    ) -> None:
        where = {"b_program": program_id, "b_scope": scope.value, "b_key": key}
        self.conn.execute(_RECORD, {**where, "b_response": response})

    def claim_many(self, program_id: int, keys: Mapping[str, str], now: datetime) -> set[str]:
        if not keys:
            return set()
        rows = [
            {
                "program_id": program_id,
                "scope": _JIFEN,
                "key": k,
                "fingerprint": f,
                "created_at": now,
            }
            for k, f in keys.items()
        ]
        return set(self.conn.execute(_CLAIM[self.conn.dialect.name], rows).scalars())

    def record_many(self, program_id: int, responses: Mapping[str, dict[str, Any]]) -> None:
        if responses:
            rows = [
                {"b_program": program_id, "b_scope": _JIFEN, "b_key": k, "b_response": r}
                for k, r in responses.items()
            ]
            execute_many(self.conn, _RECORD, rows)

    def stored_many(self, program_id: int, keys: Collection[str]) -> dict[str, StoredResponse]:
        found = {}
        for chunk in chunks(keys):
            result = self.conn.execute(
                select(
                    idempotency_keys.c.key,
                    idempotency_keys.c.fingerprint,
                    idempotency_keys.c.response,
                ).where(
                    idempotency_keys.c.program_id == program_id,
                    idempotency_keys.c.scope == _JIFEN,
                    idempotency_keys.c.key.in_(chunk),
                )
            )
            for row in result:
                found[row.key] = StoredResponse(row.fingerprint, row.response)
        return found

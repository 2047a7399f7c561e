"""Idempotency keys, the outbox, the audit log and API keys."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db.rows import chunks
from jifen.adapters.db.tables import api_keys, audit_log, idempotency_keys, outbox
from jifen.services.access.ports import ApiKeyRecord
from jifen.services.ports import StoredResponse


def _claim(dialect_insert: Any) -> Any:
    return (
        dialect_insert(idempotency_keys)
        .on_conflict_do_nothing(index_elements=["program_id", "key"])
        .returning(idempotency_keys.c.key)
    )


# Built once per dialect: these run on every write.
_CLAIM = {"postgresql": _claim(postgresql.insert), "sqlite": _claim(sqlite.insert)}
_STORED = select(idempotency_keys.c.fingerprint, idempotency_keys.c.response).where(
    idempotency_keys.c.program_id == bindparam("b_program"),
    idempotency_keys.c.key == bindparam("b_key"),
)
_RECORD = (
    update(idempotency_keys)
    .where(
        idempotency_keys.c.program_id == bindparam("b_program"),
        idempotency_keys.c.key == bindparam("b_key"),
    )
    .values(response=bindparam("b_response", type_=idempotency_keys.c.response.type))
)
_OUTBOX = insert(outbox)


class SqlIdempotencyKeys:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(
        self, program_id: int, key: str, fingerprint: str, now: datetime
    ) -> StoredResponse | None:
        # On PostgreSQL this waits for a concurrent transaction holding the same
        # key: when it commits we see its response, when it rolls back we win.
        claimed = self.conn.execute(
            _CLAIM[self.conn.dialect.name],
            {
                "program_id": program_id,
                "key": key,
                "fingerprint": fingerprint,
                "created_at": now,
            },
        ).first()
        if claimed is not None:
            return None
        row = self.conn.execute(_STORED, {"b_program": program_id, "b_key": key}).one()
        return StoredResponse(row.fingerprint, row.response)

    def record(self, program_id: int, key: str, response: dict[str, Any]) -> None:
        self.conn.execute(_RECORD, {"b_program": program_id, "b_key": key, "b_response": response})

    def claim_many(self, program_id: int, keys: Mapping[str, str], now: datetime) -> set[str]:
        if not keys:
            return set()
        rows = [
            {"program_id": program_id, "key": k, "fingerprint": f, "created_at": now}
            for k, f in keys.items()
        ]
        return set(self.conn.execute(_CLAIM[self.conn.dialect.name], rows).scalars())

    def record_many(self, program_id: int, responses: Mapping[str, dict[str, Any]]) -> None:
        if responses:
            rows = [
                {"b_program": program_id, "b_key": k, "b_response": r} for k, r in responses.items()
            ]
            self.conn.execute(_RECORD, rows)

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
                    idempotency_keys.c.key.in_(chunk),
                )
            )
            for row in result:
                found[row.key] = StoredResponse(row.fingerprint, row.response)
        return found


class SqlOutbox:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, program_id: int, topic: str, payload: dict[str, Any], now: datetime) -> None:
        self.conn.execute(
            _OUTBOX,
            {
                "program_id": program_id,
                "topic": topic,
                "payload": payload,
                "created_at": now,
            },
        )

    def add_many(
        self, program_id: int, topic: str, payloads: Sequence[dict[str, Any]], now: datetime
    ) -> None:
        if payloads:
            rows = [
                {"program_id": program_id, "topic": topic, "payload": p, "created_at": now}
                for p in payloads
            ]
            self.conn.execute(_OUTBOX, rows)

    def add_events(
        self, program_id: int, events: Sequence[tuple[str, dict[str, Any], datetime]]
    ) -> None:
        if events:
            rows = [
                {"program_id": program_id, "topic": t, "payload": p, "created_at": at}
                for t, p, at in events
            ]
            self.conn.execute(_OUTBOX, rows)


class SqlAuditLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(
        self,
        program_id: int | None,
        actor: str,
        action: str,
        target: str | None,
        detail: dict[str, Any],
        now: datetime,
    ) -> None:
        self.conn.execute(
            insert(audit_log).values(
                program_id=program_id,
                actor=actor,
                action=action,
                target=target,
                detail=detail,
                created_at=now,
            )
        )


class SqlApiKeys:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        program_id: int,
        name: str,
        prefix: str,
        secret_hash: str,
        scopes: list[str],
        now: datetime,
    ) -> int:
        return int(
            self.conn.execute(
                insert(api_keys)
                .values(
                    program_id=program_id,
                    name=name,
                    prefix=prefix,
                    secret_hash=secret_hash,
                    scopes=scopes,
                    created_at=now,
                )
                .returning(api_keys.c.id)
            ).scalar_one()
        )

    def by_prefix(self, prefix: str) -> ApiKeyRecord | None:
        row = self.conn.execute(select(api_keys).where(api_keys.c.prefix == prefix)).one_or_none()
        if row is None:
            return None
        return ApiKeyRecord(
            id=row.id,
            program_id=row.program_id,
            name=row.name,
            prefix=row.prefix,
            secret_hash=row.secret_hash,
            scopes=frozenset(row.scopes),
            revoked=row.revoked_at is not None,
        )

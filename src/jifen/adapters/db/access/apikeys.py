"""API keys: only a hash of each secret is kept, found by the key's public prefix."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from jifen.adapters.db.tables import api_keys
from jifen.services.access.ports import ApiKeyRecord


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
        return None if row is None else _record(row)

    def by_id(self, program_id: int, key_id: int) -> ApiKeyRecord | None:
        query = select(api_keys).where(api_keys.c.id == key_id, api_keys.c.program_id == program_id)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).one_or_none()
        return None if row is None else _record(row)

    def of_program(self, program_id: int) -> list[ApiKeyRecord]:
        result = self.conn.execute(
            select(api_keys).where(api_keys.c.program_id == program_id).order_by(api_keys.c.id)
        )
        return [_record(r) for r in result]

    def revoke(self, key_id: int, now: datetime, replaced_by: int | None = None) -> None:
        self.conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now, replaced_by=replaced_by)
        )


def _record(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row.id,
        program_id=row.program_id,
        name=row.name,
        prefix=row.prefix,
        secret_hash=row.secret_hash,
        scopes=frozenset(row.scopes),
        revoked=row.revoked_at is not None,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        replaced_by=row.replaced_by,
    )

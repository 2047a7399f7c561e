"""API keys: only a hash of each secret is kept, found by the key's public prefix."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

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

"""The audit log: who did what to which record, appended in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from jifen.adapters.db.tables import audit_log


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

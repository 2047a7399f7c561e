"""Operators and their console sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from jifen.adapters.db.tables import console_sessions, operators
from jifen.domain.error_codes import AccessCode
from jifen.domain.errors import Conflict
from jifen.domain.operators import Operator, Role
from jifen.services.access.ports import ConsoleSession


class SqlOperators:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self, username: str, name: str, role: str, password_hash: str, now: datetime
    ) -> Operator:
        try:
            with self.conn.begin_nested():
                row = self.conn.execute(
                    insert(operators)
                    .values(
                        username=username,
                        name=name,
                        role=role,
                        password_hash=password_hash,
                        active=True,
                        created_at=now,
                    )
                    .returning(*operators.c)
                ).one()
        except IntegrityError:
            raise Conflict(
                f"operator {username!r} exists", code=AccessCode.OPERATOR_EXISTS, username=username
            ) from None
        return _operator(row)

    def by_username(self, username: str) -> tuple[Operator, str] | None:
        row = self.conn.execute(
            select(operators).where(operators.c.username == username)
        ).one_or_none()
        return None if row is None else (_operator(row), row.password_hash)

    def by_id(self, operator_id: int) -> Operator | None:
        row = self.conn.execute(
            select(operators).where(operators.c.id == operator_id)
        ).one_or_none()
        return None if row is None else _operator(row)

    def everyone(self) -> list[Operator]:
        result = self.conn.execute(select(operators).order_by(operators.c.username))
        return [_operator(r) for r in result]

    def change(
        self,
        operator_id: int,
        *,
        role: str | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
    ) -> Operator:
        values = {
            k: v
            for k, v in (("role", role), ("active", active), ("password_hash", password_hash))
            if v is not None
        }
        row = self.conn.execute(
            update(operators)
            .where(operators.c.id == operator_id)
            .values(values)
            .returning(*operators.c)
        ).one()
        return _operator(row)

    def end_sessions(self, operator_id: int) -> int:
        done = self.conn.execute(
            delete(console_sessions).where(console_sessions.c.operator_id == operator_id)
        )
        return int(done.rowcount)

    def signed_in(self, operator_id: int, now: datetime, rehashed: str | None) -> None:
        values: dict[str, Any] = {"signed_in_at": now}
        if rehashed is not None:
            values["password_hash"] = rehashed
        self.conn.execute(update(operators).where(operators.c.id == operator_id).values(values))

    def add_session(self, session: ConsoleSession, now: datetime) -> None:
        self.conn.execute(
            insert(console_sessions).values(
                token_hash=session.token_hash,
                operator_id=session.operator_id,
                csrf=session.csrf,
                created_at=now,
                expires_at=session.expires_at,
            )
        )

    def session(self, token_hash: str) -> ConsoleSession | None:
        row = self.conn.execute(
            select(console_sessions).where(console_sessions.c.token_hash == token_hash)
        ).one_or_none()
        if row is None:
            return None
        return ConsoleSession(row.token_hash, row.operator_id, row.csrf, row.expires_at)

    def end_session(self, token_hash: str) -> None:
        self.conn.execute(
            delete(console_sessions).where(console_sessions.c.token_hash == token_hash)
        )


def _operator(row: Any) -> Operator:
    return Operator(
        row.id,
        row.username,
        row.name,
        Role(row.role),
        bool(row.active),
        row.created_at,
        row.signed_in_at,
    )

"""Portal sign-in codes and sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from jifen.adapters.db.tables import signin_codes, web_sessions
from jifen.domain.access import SigninCode, WebSession


class SqlAccess:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_code(
        self, program_id: int, member_id: int, code_hash: str, expires_at: datetime, now: datetime
    ) -> None:
        self.conn.execute(
            insert(signin_codes).values(
                program_id=program_id,
                member_id=member_id,
                code_hash=code_hash,
                expires_at=expires_at,
                tries=0,
                created_at=now,
            )
        )

    def latest_code(self, member_id: int) -> SigninCode | None:
        query = (
            select(signin_codes)
            .where(signin_codes.c.member_id == member_id)
            .order_by(signin_codes.c.id.desc())
            .limit(1)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).one_or_none()
        if row is None:
            return None
        return SigninCode(
            row.id, row.member_id, row.code_hash, row.expires_at, row.tries, row.used_at
        )

    def try_code(self, code_id: int) -> None:
        self.conn.execute(
            update(signin_codes)
            .where(signin_codes.c.id == code_id)
            .values(tries=signin_codes.c.tries + 1)
        )

    def use_code(self, code_id: int, now: datetime) -> None:
        self.conn.execute(
            update(signin_codes).where(signin_codes.c.id == code_id).values(used_at=now)
        )

    def codes_since(self, member_id: int, since: datetime) -> int:
        return int(
            self.conn.execute(
                select(func.count()).where(
                    signin_codes.c.member_id == member_id, signin_codes.c.created_at > since
                )
            ).scalar_one()
        )

    def add_session(self, session: WebSession, now: datetime) -> None:
        self.conn.execute(
            insert(web_sessions).values(
                token_hash=session.token_hash,
                program_id=session.program_id,
                member_id=session.member_id,
                csrf=session.csrf,
                created_at=now,
                expires_at=session.expires_at,
            )
        )

    def session(self, token_hash: str) -> WebSession | None:
        row = self.conn.execute(
            select(web_sessions).where(web_sessions.c.token_hash == token_hash)
        ).one_or_none()
        if row is None:
            return None
        return WebSession(row.token_hash, row.program_id, row.member_id, row.csrf, row.expires_at)

    def end_session(self, token_hash: str) -> None:
        self.conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))

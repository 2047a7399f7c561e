"""Portal sign-in codes and sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, null, select, update

from jifen.adapters.db.engine import upsert_insert
from jifen.adapters.db.tables import member_devices, signin_codes, web_sessions
from jifen.domain.access import SigninCode, WebSession


class SqlAccess:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_code(
        self,
        program_id: int,
        member_id: int | None,
        code_hash: str,
        ticket_hash: str,
        seed: str,
        expires_at: datetime,
        now: datetime,
        enrolment: dict[str, Any] | None = None,
    ) -> int:
        return int(
            self.conn.execute(
                insert(signin_codes)
                .values(
                    program_id=program_id,
                    member_id=member_id,
                    code_hash=code_hash,
                    ticket_hash=ticket_hash,
                    seed=seed,
                    enrolment=null() if enrolment is None else enrolment,
                    expires_at=expires_at,
                    tries=0,
                    created_at=now,
                )
                .returning(signin_codes.c.id)
            ).scalar_one()
        )

    def code_by_ticket(self, ticket_hash: str) -> SigninCode | None:
        query = select(signin_codes).where(signin_codes.c.ticket_hash == ticket_hash)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).one_or_none()
        return None if row is None else _code(row)

    def seed(self, code_id: int, now: datetime) -> str | None:
        c = signin_codes.c
        found = self.conn.execute(
            select(c.seed).where(
                c.id == code_id, c.used_at.is_(None), c.expires_at > now, c.seed.is_not(None)
            )
        ).scalar_one_or_none()
        return None if found is None else str(found)

    def try_code(self, code_id: int, *, spent: bool = False) -> None:
        values: dict[str, Any] = {"tries": signin_codes.c.tries + 1}
        if spent:
            values["seed"] = None
            values["enrolment"] = null()  # SQL NULL: a JSON column would keep None as 'null'
        self.conn.execute(update(signin_codes).where(signin_codes.c.id == code_id).values(values))

    def use_code(self, code_id: int, now: datetime) -> None:
        self.conn.execute(
            update(signin_codes)
            .where(signin_codes.c.id == code_id)
            .values(used_at=now, seed=None, ticket_hash=None, enrolment=null())
        )

    def forget_expired_seeds(self, now: datetime) -> int:
        c = signin_codes.c
        done = self.conn.execute(
            update(signin_codes)
            .where(c.seed.is_not(None), c.expires_at <= now)
            .values(seed=None, ticket_hash=None, enrolment=null())
        )
        return int(done.rowcount)

    def codes_since(self, member_id: int, since: datetime) -> int:
        return int(
            self.conn.execute(
                select(func.count()).where(
                    signin_codes.c.member_id == member_id, signin_codes.c.created_at > since
                )
            ).scalar_one()
        )

    def saw_device(self, program_id: int, member_id: int, device: str, now: datetime) -> None:
        dialect_insert = upsert_insert(self.conn)
        row = dialect_insert(member_devices).values(
            member_id=member_id,
            device_hash=device,
            program_id=program_id,
            first_seen_at=now,
            last_seen_at=now,
        )
        self.conn.execute(  # two sign-ins from one browser at once: one row, seen twice
            row.on_conflict_do_update(
                index_elements=["member_id", "device_hash"], set_={"last_seen_at": now}
            )
        )

    def used_device(self, member_id: int, device: str) -> bool:
        d = member_devices.c
        found = self.conn.execute(
            select(d.member_id).where(d.member_id == member_id, d.device_hash == device)
        ).first()
        return found is not None

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


def _code(row: Any) -> SigninCode:
    return SigninCode(
        row.id,
        row.member_id,
        row.code_hash,
        row.expires_at,
        row.tries,
        row.used_at,
        row.program_id,
        row.enrolment,
    )

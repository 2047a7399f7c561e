"""Members, with row locks for every ledger write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from jifen.adapters.db import rows
from jifen.adapters.db.tables import members
from jifen.domain.errors import NotFound
from jifen.domain.members import Member, MemberStatus
from jifen.services.ports import NewMember


class SqlMembers:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, program_id: int, new: NewMember, now: datetime) -> Member:
        row = self.conn.execute(
            insert(members)
            .values(
                program_id=program_id,
                external_id=new.external_id,
                phone=new.phone,
                email=new.email,
                birthday=new.birthday,
                attributes=new.attributes or {},
                status=MemberStatus.ACTIVE.value,
                available=0,
                pending=0,
                held=0,
                created_at=now,
                updated_at=now,
            )
            .returning(*members.c)
        ).one()
        return rows.member(row)

    def get(self, program_id: int, external_id: str) -> Member | None:
        row = self.conn.execute(
            select(members).where(
                members.c.program_id == program_id, members.c.external_id == external_id
            )
        ).one_or_none()
        return None if row is None else rows.member(row)

    def lock(self, program_id: int, external_id: str) -> Member | None:
        row = self.conn.execute(
            select(members)
            .where(members.c.program_id == program_id, members.c.external_id == external_id)
            .with_for_update()
        ).one_or_none()
        return None if row is None else rows.member(row)

    def lock_by_id(self, member_id: int) -> Member:
        row = self.conn.execute(
            select(members).where(members.c.id == member_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFound(f"member #{member_id} not found", code="member_not_found")
        return rows.member(row)

    def update(self, member_id: int, changes: dict[str, Any], now: datetime) -> Member:
        allowed = {"phone", "email", "birthday", "attributes", "status"}
        values = {k: v for k, v in changes.items() if k in allowed}
        row = self.conn.execute(
            update(members)
            .where(members.c.id == member_id)
            .values(**values, updated_at=now)
            .returning(*members.c)
        ).one()
        return rows.member(row)

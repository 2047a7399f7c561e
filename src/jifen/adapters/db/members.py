"""Members, with row locks for every ledger write."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, or_, select, update

from jifen.adapters.db import rows
from jifen.adapters.db.engine import upsert_insert
from jifen.adapters.db.ledger import chain
from jifen.adapters.db.tables import members
from jifen.domain.engagement.codes import new_member_code, new_referral_code
from jifen.domain.error_codes import MemberCode
from jifen.domain.errors import Conflict, MemberNotFound
from jifen.domain.members import Member, MemberStatus
from jifen.services.ports import NewMember

#: a member by programme and external id (``b_program``, ``b_external``): the async
#: reader's too (``ledger/async_reads.py``)
MEMBER_BY_EXTERNAL_ID = select(members).where(
    members.c.program_id == bindparam("b_program"),
    members.c.external_id == bindparam("b_external"),
)
_LOCK = MEMBER_BY_EXTERNAL_ID.with_for_update()
_DRAWS = 8  # fresh codes drawn for one member before giving up (never seen to need two)


class SqlMembers:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, program_id: int, new: NewMember, now: datetime) -> Member:
        """The member, with a membership and a referral code of its own.

        A concurrent join of the same external id passes the caller's existence check
        too: the unique index decides (waiting for the other transaction on PostgreSQL),
        and the loser gets a Conflict, not an IntegrityError. A drawn code that another
        member has (about once in 10^6 joins at a million members, for the referral
        code) is drawn again: ON CONFLICT DO NOTHING covers every unique index.
        """
        dialect_insert = upsert_insert(self.conn)
        for _ in range(_DRAWS):
            row = self.conn.execute(
                dialect_insert(members)
                .values(
                    program_id=program_id,
                    external_id=new.external_id,
                    phone=new.phone,
                    email=new.email,
                    birthday=new.birthday,
                    attributes=new.attributes or {},
                    display_name=new.display_name,
                    language=new.language,
                    member_code=new_member_code(),
                    referral_code=new_referral_code(),
                    status=MemberStatus.ACTIVE.value,
                    available=0,
                    pending=0,
                    held=0,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing()
                .returning(*members.c)
            ).one_or_none()
            if row is not None:
                return rows.member(row)
            if self.get(program_id, new.external_id) is not None:
                raise Conflict(
                    f"member {new.external_id} already exists",
                    code=MemberCode.EXISTS,
                    member=new.external_id,
                )
        raise AssertionError(f"{_DRAWS} codes drawn, each another member's")  # pragma: no cover

    def get(self, program_id: int, external_id: str) -> Member | None:
        row = self.conn.execute(
            MEMBER_BY_EXTERNAL_ID, {"b_program": program_id, "b_external": external_id}
        ).one_or_none()
        return None if row is None else rows.member(row)

    def by_contact(self, program_id: int, contact: str) -> Member | None:
        """The member whose id, phone or email this is (the first, by id, if several)."""
        row = self.conn.execute(
            select(members)
            .where(
                members.c.program_id == program_id,
                or_(
                    members.c.external_id == contact,
                    members.c.phone == contact,
                    func.lower(members.c.email) == contact.lower(),
                ),
            )
            .order_by(members.c.id)
            .limit(1)
        ).one_or_none()
        return None if row is None else rows.member(row)

    def by_member_code(self, program_id: int, code: str) -> Member | None:
        return self._one(members.c.program_id == program_id, members.c.member_code == code)

    def by_referral_code(self, program_id: int, code: str) -> Member | None:
        return self._one(members.c.program_id == program_id, members.c.referral_code == code)

    def contact_taken(self, program_id: int, phone: str | None, email: str | None) -> bool:
        same = []
        if phone is not None:
            same.append(members.c.phone == phone)
        if email is not None:
            same.append(func.lower(members.c.email) == email.lower())
        if not same:
            return False
        return bool(
            self.conn.execute(
                select(
                    exists().where(
                        members.c.program_id == program_id,
                        members.c.status != MemberStatus.ERASED.value,
                        or_(*same),
                    )
                )
            ).scalar_one()
        )

    def _one(self, *where: Any) -> Member | None:
        row = self.conn.execute(select(members).where(*where)).one_or_none()
        return None if row is None else rows.member(row)

    def search(self, program_id: int, text_: str, limit: int) -> list[Member]:
        """Members whose id, phone or email is or starts with ``text_``, by id."""
        prefix = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = self.conn.execute(
            select(members)
            .where(
                members.c.program_id == program_id,
                or_(
                    members.c.external_id.like(prefix, escape="\\"),
                    members.c.phone.like(prefix, escape="\\"),
                    func.lower(members.c.email).like(prefix.lower(), escape="\\"),
                ),
            )
            .order_by(members.c.id)
            .limit(limit)
        )
        return [rows.member(r) for r in found]

    def lock(self, program_id: int, external_id: str) -> Member | None:
        row = self.conn.execute(
            _LOCK, {"b_program": program_id, "b_external": external_id}
        ).one_or_none()
        if row is None:
            return None
        chain.remember(self.conn, row.id, row.chain_head)  # locked: the ledger chains on it
        return rows.member(row)

    def lock_many(self, program_id: int, external_ids: Collection[str]) -> dict[str, Member]:
        if not external_ids:
            return {}
        result = self.conn.execute(
            select(members)
            .where(members.c.program_id == program_id, members.c.external_id.in_(external_ids))
            .order_by(members.c.id)
            .with_for_update()
        )
        locked = {}
        for row in result:
            chain.remember(self.conn, row.id, row.chain_head)
            locked[row.external_id] = rows.member(row)
        return locked

    def lock_by_id(self, member_id: int) -> Member:
        row = self.conn.execute(
            select(members).where(members.c.id == member_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise MemberNotFound(member_id=member_id)
        chain.remember(self.conn, row.id, row.chain_head)
        return rows.member(row)

    def by_id(self, member_id: int) -> Member | None:
        row = self.conn.execute(select(members).where(members.c.id == member_id)).one_or_none()
        return None if row is None else rows.member(row)

    def update(self, member_id: int, changes: dict[str, Any], now: datetime) -> Member:
        allowed = {"phone", "email", "birthday", "attributes", "status", "hidden_from_boards"}
        values = {k: v for k, v in changes.items() if k in allowed}
        row = self.conn.execute(
            update(members)
            .where(members.c.id == member_id)
            .values(**values, updated_at=now)
            .returning(*members.c)
        ).one()
        return rows.member(row)

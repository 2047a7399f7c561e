"""Members: the batch's own locked members, as its writes have changed them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from jifen.domain.members import Member
from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.through import Through
from jifen.services.ports import Members, NewMember


class BatchMembers(Through[Members]):
    """Keeps: ``lock`` and ``get`` of a member of the batch's programme answer from memory
    once it is known (``know_members``, or an earlier ``lock``). ``update`` writes through
    and forgets the member. The rest pass through."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.members)

    def lock(self, program_id: int, external_id: str) -> Member | None:
        own = program_id == self.batch.program_id
        found = self.batch.by_external.get(external_id)
        if found is not None and own:
            return found
        member = self.written().lock(program_id, external_id)
        if member is not None and own:
            self.batch.remember(member)
        return member

    def get(self, program_id: int, external_id: str) -> Member | None:
        return self.lock(program_id, external_id)

    def update(self, member_id: int, changes: dict[str, Any], now: datetime) -> Member:
        member = self.written().update(member_id, changes, now)
        self.batch.forget_member(member_id)
        return member

    # -- passing through ------------------------------------------------------------

    def add(self, program_id: int, new: NewMember, now: datetime) -> Member:
        return self.written().add(program_id, new, now)

    def by_contact(self, program_id: int, contact: str) -> Member | None:
        return self.written().by_contact(program_id, contact)

    def by_member_code(self, program_id: int, code: str) -> Member | None:
        return self.written().by_member_code(program_id, code)

    def by_referral_code(self, program_id: int, code: str) -> Member | None:
        return self.written().by_referral_code(program_id, code)

    def contact_taken(self, program_id: int, phone: str | None, email: str | None) -> bool:
        return self.written().contact_taken(program_id, phone, email)

    def search(self, program_id: int, text_: str, limit: int) -> list[Member]:
        return self.written().search(program_id, text_, limit)

    def lock_many(self, program_id: int, external_ids: Collection[str]) -> dict[str, Member]:
        return self.written().lock_many(program_id, external_ids)

    def lock_by_id(self, member_id: int) -> Member:
        return self.written().lock_by_id(member_id)

    def by_id(self, member_id: int) -> Member | None:
        return self.written().by_id(member_id)

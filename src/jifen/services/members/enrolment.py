"""A member's record made and updated: checked ids, announced in the outbox.

People join through ``engagement.enrol`` (the API, the portal, the console), which checks
their details and pays the sign-up; ``create_member`` makes the record alone, once per
key (tools and tests that need a member, not a joining), and ``join`` is the step both
take inside a transaction.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial
from typing import Any

from jifen.domain.error_codes import MemberCode
from jifen.domain.errors import Conflict, InvalidInput, MemberNotFound
from jifen.domain.members import Member, MemberStatus
from jifen.domain.programs import Program
from jifen.domain.rights import is_pseudonym
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger.ports import LedgerWork
from jifen.services.members.commands import CreateMember, UpdateMember
from jifen.services.members.lookup import EXPIRING_WINDOW, member_view
from jifen.services.members.views import MemberView
from jifen.services.ports import Clock, NewMember

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


UPDATABLE = frozenset({"phone", "email", "birthday", "attributes", "status"})


def create_member(
    uow: LedgerWork, clock: Clock, program: Program, cmd: CreateMember, key: str
) -> MemberView:
    """A member's record, once per key, with no sign-up paid (see the module's docstring)."""
    require_external_id(cmd.external_id)
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _create)


def _create(uow: LedgerWork, call: Keyed[CreateMember]) -> MemberView:
    cmd = call.command
    if uow.members.get(call.program.id, cmd.external_id) is not None:
        raise Conflict(
            f"member {cmd.external_id} already exists",
            code=MemberCode.EXISTS,
            member=cmd.external_id,
        )
    new = NewMember(cmd.external_id, cmd.phone, cmd.email, cmd.birthday, dict(cmd.attributes))
    return member_view(join(uow, call.program, new, call.now), 0)


def require_external_id(external_id: str) -> str:
    if not EXTERNAL_ID.match(external_id):
        raise InvalidInput(
            "external_id must be 1-128 letters, digits or ._:@-", field="external_id"
        )
    if is_pseudonym(external_id):
        raise InvalidInput(
            "external_ids beginning with erased- name erased members", field="external_id"
        )
    return external_id


def join(uow: LedgerWork, program: Program, new: NewMember, now: datetime) -> Member:
    """Add a member and announce it (``member.created``); inside ``with uow``."""
    member = uow.members.add(program.id, new, now)
    uow.outbox.add(program.id, "member.created", {"member": member.external_id}, now)
    return member


def update_member(
    uow: LedgerWork, clock: Clock, program: Program, cmd: UpdateMember, key: str
) -> MemberView:
    unknown = set(cmd.changes) - UPDATABLE
    if unknown:
        raise InvalidInput(f"cannot update {', '.join(sorted(unknown))}", fields=sorted(unknown))
    changes: dict[str, Any] = dict(cmd.changes)
    if "status" in changes:
        try:
            status = MemberStatus(changes["status"])
        except ValueError:
            raise InvalidInput("status must be active or blocked", field="status") from None
        if status is MemberStatus.ERASED:
            raise InvalidInput(
                "members are erased through the erasure process, not an update", field="status"
            )
        changes["status"] = status.value
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), partial(_update, changes=changes))


def _update(uow: LedgerWork, call: Keyed[UpdateMember], *, changes: dict[str, Any]) -> MemberView:
    program, now = call.program, call.now
    member = uow.members.lock(program.id, call.command.external_id)
    if member is None or member.status is MemberStatus.ERASED:
        raise MemberNotFound(call.command.external_id)
    updated = uow.members.update(member.id, changes, now)
    event = {"member": updated.external_id, "fields": sorted(changes)}
    uow.outbox.add(program.id, "member.updated", event, now)
    expiring = uow.ledger.expiring(member.id, now, now + EXPIRING_WINDOW)
    return member_view(updated, expiring)

"""A member's data, exported as one JSON document: ``jifen.member-export/1``.

Profile, every consent answer given (oldest first), balances, every lot, the whole
history, orders, redemptions and vouchers; activities, task proofs, challenge rounds,
badges and leaderboard scores; the member's referral and the friends they brought. What
is internal stays out: an adjustment's reason (the audit log's), who on the staff made a
change or reviewed a proof, the rules' snapshots, and other members (who referred the
member, who their friends are).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jifen.domain.ledger import Entry
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.domain.rights import EXPORT_FORMAT
from jifen.services.members import find_member
from jifen.services.ports import Clock
from jifen.services.rights.ports import RightsWork
from jifen.services.rights.views import MemberExport

PAGE = 200
#: what an activity's payload may say of another member
OTHERS = frozenset({"referrer"})


def export_member(
    uow: RightsWork, clock: Clock, program: Program, external_id: str
) -> MemberExport:
    """Everything jifen holds about the member, in a documented, versioned format."""
    now = clock.now()
    with uow:
        member = find_member(uow, program, external_id)
        return MemberExport(
            format=EXPORT_FORMAT,
            exported_at=now.isoformat(),
            program=program.code,
            profile=_profile(member),
            consents=uow.rights.consents(member.id),
            balances=_balances(member),
            lots=uow.rights.lots(member.id),
            history=[_entry(e) for e in _entries(uow, member.id)],
            orders=uow.rights.orders(member.id),
            redemptions=uow.rights.redemptions(member.id),
            vouchers=uow.rights.vouchers(member.id),
            engagement=_engagement(uow.rights.engagement(member.id)),
            referral=uow.rights.referral(member.id),
        )


def _engagement(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Without other members: a referral's activity names the referrer, whose data it is."""
    activities = [
        {**a, "payload": {k: v for k, v in a["payload"].items() if k not in OTHERS}}
        if isinstance(a.get("payload"), dict)
        else a
        for a in found.get("activities", [])
    ]
    return {**found, "activities": activities}


def _profile(member: Member) -> dict[str, Any]:
    return {
        "external_id": member.external_id,
        "status": member.status.value,
        "phone": member.phone,
        "email": member.email,
        "birthday": member.birthday.isoformat() if member.birthday else None,
        "attributes": member.attributes,
        "display_name": member.display_name,
        "language": member.language,
        "member_code": member.member_code,
        "referral_code": member.referral_code,
        "tier": member.tier,
        "orders_count": member.orders_count,
        "spend_total": member.spend_total,
        "last_order_at": _when(member.last_order_at),
        "created_at": _when(member.created_at),
        "updated_at": _when(member.updated_at),
    }


def _balances(member: Member) -> dict[str, int]:
    b = member.balances
    return {"available": b.available, "pending": b.pending, "held": b.held}


def _entries(uow: RightsWork, member_id: int) -> list[Entry]:
    found: list[Entry] = []
    before: int | None = None
    while True:
        page = uow.ledger.history(member_id, before, PAGE)
        found.extend(page.entries)
        if page.next_cursor is None:
            return found
        before = page.next_cursor


def _entry(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind.value,
        "points": e.points,
        "available_change": e.delta_available,
        "pending_change": e.delta_pending,
        "held_change": e.delta_held,
        "created_at": _when(e.created_at),
        "note": e.reason,
        "reference": e.reference,
        "reverses_entry_id": e.reverses_entry_id,
        "hold_id": e.hold_id,
        "meta": e.meta,
    }


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()

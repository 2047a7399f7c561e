"""Redemptions as recorded: found, shown, announced."""

from __future__ import annotations

from datetime import datetime

from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import MemberNotFound, NotFound
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.domain.redemption import (
    Redemption,
    Voucher,
)
from jifen.services.redemption.issuing import voucher_view
from jifen.services.redemption.ports import RedemptionWork
from jifen.services.redemption.views import RedemptionView


def get_redemption(uow: RedemptionWork, program: Program, redemption_id: int) -> RedemptionView:
    with uow:
        redemption = find_redemption(uow, program, redemption_id)
        member = uow.members.by_id(redemption.member_id)
        if member is None:
            raise MemberNotFound(member_id=redemption.member_id)
        return redemption_view(uow, member, redemption)


def redemptions_of(
    uow: RedemptionWork, program: Program, member_ref: str, limit: int = 50
) -> list[RedemptionView]:
    with uow:
        member = uow.members.get(program.id, member_ref)
        if member is None:
            raise MemberNotFound(member_ref)
        found = uow.redemptions.of_member(member.id, limit)
        issued = uow.redemptions.vouchers_of_redemptions([r.id for r in found])
        return [redemption_view(uow, member, r, issued.get(r.id, [])) for r in found]


def finish(
    uow: RedemptionWork,
    program: Program,
    member: Member,
    redemption: Redemption,
    now: datetime,
    issued: list[Voucher] | None = None,
) -> RedemptionView:
    view = redemption_view(uow, member, redemption, issued)
    uow.outbox.add(
        program.id,
        f"redemption.{redemption.status.value}",
        {
            "redemption_id": redemption.id,
            "member": member.external_id,
            "kind": redemption.kind.value,
            "reward": redemption.reward,
            "quantity": redemption.quantity,
            "points": redemption.points,
            "cash": redemption.cash,
            "reference": redemption.reference,
            "vouchers": [v.code for v in view.vouchers],
        },
        now,
    )
    return view


def redemption_view(
    uow: RedemptionWork,
    member: Member,
    redemption: Redemption,
    issued: list[Voucher] | None = None,
) -> RedemptionView:
    if issued is None:
        issued = uow.redemptions.vouchers_of_redemption(redemption.id)
    b = member.balances
    return RedemptionView(
        id=redemption.id,
        member=member.external_id,
        kind=redemption.kind.value,
        reward=redemption.reward,
        quantity=redemption.quantity,
        points=redemption.points,
        cash=redemption.cash,
        status=redemption.status.value,
        hold_id=redemption.hold_id,
        reference=redemption.reference,
        created_at=redemption.created_at,
        settled_at=redemption.settled_at,
        vouchers=tuple(voucher_view(v) for v in issued),
        available=b.available,
        pending=b.pending,
        held=b.held,
    )


def find_redemption(uow: RedemptionWork, program: Program, redemption_id: int) -> Redemption:
    found = uow.redemptions.get(program.id, redemption_id)
    if found is None:
        raise NotFound(
            f"redemption {redemption_id} not found",
            code=RedemptionCode.REDEMPTION_NOT_FOUND,
            redemption=redemption_id,
        )
    return found

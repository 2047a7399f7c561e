"""Vouchers issued for a redemption, each with a code drawn at random."""

from __future__ import annotations

from datetime import datetime, timedelta

from jifen.domain.programs import Program
from jifen.domain.redemption import (
    Redemption,
    Reward,
    RewardKind,
    Voucher,
)
from jifen.domain.redemption import vouchers as codes
from jifen.services.redemption.ports import RedemptionWork
from jifen.services.redemption.views import VoucherView


def issue_vouchers(
    uow: RedemptionWork, program: Program, reward: Reward, redemption: Redemption, now: datetime
) -> list[Voucher]:
    if reward.kind is not RewardKind.VOUCHER or reward.voucher is None:
        return []
    terms = reward.voucher
    issued = []
    for _ in range(redemption.quantity):
        voucher = None
        while voucher is None:  # a clash of 80 random bits: in theory only
            voucher = uow.redemptions.add_voucher(
                program.id,
                redemption,
                codes.new_code(),
                terms.face_value,
                terms.min_spend,
                now + timedelta(days=terms.valid_days),
                now,
            )
        issued.append(voucher)
    return issued


def voucher_view(v: Voucher, member: str | None = None) -> VoucherView:
    return VoucherView(
        v.code,
        v.reward,
        v.status.value,
        v.face_value,
        v.min_spend,
        v.expires_at,
        v.consumed_at,
        v.consumed_reference,
        member,
    )

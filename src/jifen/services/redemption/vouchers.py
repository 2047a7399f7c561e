"""Vouchers at the till: look one up, use it once."""

from __future__ import annotations

from functools import partial

from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import MemberNotFound, NotFound
from jifen.domain.money import to_minor
from jifen.domain.programs import Program
from jifen.domain.redemption import Voucher, VoucherStatus
from jifen.domain.redemption import vouchers as codes
from jifen.services.idempotency import Keyed, once
from jifen.services.ports import Clock
from jifen.services.redemption.commands import ConsumeVoucher
from jifen.services.redemption.issuing import voucher_view
from jifen.services.redemption.ports import RedemptionWork
from jifen.services.redemption.views import VoucherView


def consume_voucher(
    uow: RedemptionWork, clock: Clock, program: Program, cmd: ConsumeVoucher, key: str
) -> VoucherView:
    """Mark a voucher used; a retry with the same key answers as the first time."""
    spend = None if cmd.spend is None else to_minor(cmd.spend, program.currency, field="spend")
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), partial(_consume, spend=spend))


def _consume(uow: RedemptionWork, call: Keyed[ConsumeVoucher], *, spend: int | None) -> VoucherView:
    program, cmd, now = call.program, call.command, call.now
    voucher = _find(uow, program, cmd.code, lock=True)
    voucher.check_usable(now, spend)
    uow.redemptions.set_voucher(voucher.id, VoucherStatus.CONSUMED, now, cmd.reference)
    member = uow.members.by_id(voucher.member_id)
    ref = member.external_id if member else None
    uow.audit.record(
        program.id,
        cmd.actor,
        "voucher.consume",
        voucher.code,
        {"member": ref, "reward": voucher.reward, "reference": cmd.reference},
        now,
    )
    uow.outbox.add(
        program.id,
        "voucher.consumed",
        {"code": voucher.code, "member": ref, "reward": voucher.reward, "reference": cmd.reference},
        now,
    )
    used = _find(uow, program, voucher.code)
    return voucher_view(used, ref)


def get_voucher(uow: RedemptionWork, program: Program, code: str) -> VoucherView:
    with uow:
        voucher = _find(uow, program, code)
        member = uow.members.by_id(voucher.member_id)
        return voucher_view(voucher, member.external_id if member else None)


def _find(uow: RedemptionWork, program: Program, text: str, *, lock: bool = False) -> Voucher:
    code = codes.normalize(text)
    found = None if code is None else uow.redemptions.voucher(program.id, code, lock=lock)
    if found is None:
        raise NotFound("no such voucher", code=RedemptionCode.VOUCHER_NOT_FOUND, voucher=text)
    return found


def wallet(uow: RedemptionWork, program: Program, member_ref: str) -> list[VoucherView]:
    """The member's vouchers, newest first: what their wallet shows."""
    with uow:
        member = uow.members.get(program.id, member_ref)
        if member is None:
            raise MemberNotFound(member_ref)
        return [
            voucher_view(v, member.external_id)
            for v in uow.redemptions.vouchers_of_member(member.id)
        ]

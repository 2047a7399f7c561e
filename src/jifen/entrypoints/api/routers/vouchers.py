"""Vouchers at the till over HTTP: look one up, use it once."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from jifen.entrypoints.api.deps import IdempotencyKey, LedgerRead, LedgerWrite
from jifen.entrypoints.api.rendering import replayed_header
from jifen.entrypoints.api.routers.redemption import MONEY, VoucherOut
from jifen.services import redemption
from jifen.services.redemption import ConsumeVoucher

router = APIRouter(prefix="/v1", tags=["vouchers"])


class ConsumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str | None = Field(None, max_length=128, description="the purchase it pays for")
    spend: str | None = Field(None, pattern=MONEY, description="that purchase's amount")


@router.get("/vouchers/{code}", response_model=VoucherOut, summary="Look a voucher up")
def get_voucher(code: str, caller: LedgerRead) -> VoucherOut:
    found = redemption.get_voucher(caller.jf.uow(write=False), caller.program, code)
    return VoucherOut.model_validate(found)


@router.post(
    "/vouchers/{code}/consume",
    response_model=VoucherOut,
    summary="Use a voucher at the till, once",
)
def consume(
    code: str,
    caller: LedgerWrite,
    key: IdempotencyKey,
    response: Response,
    body: ConsumeIn | None = None,
) -> VoucherOut:
    jf = caller.jf
    cmd = ConsumeVoucher(
        code,
        body.reference if body else None,
        body.spend if body else None,
        caller.principal.actor,
    )
    found = redemption.consume_voucher(jf.uow(), jf.clock, caller.program, cmd, key or "")
    replayed_header(response, found.replayed)
    return VoucherOut.model_validate(found)

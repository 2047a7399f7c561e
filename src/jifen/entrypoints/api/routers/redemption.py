"""Spending points: the catalogue, redemptions, the cash offset and vouchers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jifen.domain.errors import InvalidInput
from jifen.domain.points import MAX_POINTS
from jifen.entrypoints.api.bounds import RowId
from jifen.entrypoints.api.deps import Caller, IdempotencyKey, LedgerRead, LedgerWrite, scoped
from jifen.entrypoints.api.rendering import replayed_header
from jifen.services import redemption
from jifen.services.redemption import (
    MAX_QUANTITY,
    PayWithPoints,
    RedeemReward,
    RedemptionView,
    SettleRedemption,
)

router = APIRouter(prefix="/v1", tags=["redemption"])


Admin = Annotated[Caller, Depends(scoped("admin"))]


MONEY = r"^\d{1,13}(\.\d{1,3})?$"


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class VoucherOut(Out):
    code: str
    reward: str
    status: str
    face_value: int
    min_spend: int
    expires_at: datetime
    consumed_at: datetime | None
    consumed_reference: str | None
    member: str | None


class RedemptionOut(Out):
    id: int
    member: str
    kind: str
    reward: str | None
    quantity: int
    points: int
    cash: int
    status: str
    hold_id: int | None
    reference: str | None
    created_at: datetime
    settled_at: datetime | None
    vouchers: list[VoucherOut]
    available: int
    pending: int
    held: int


class OrderOffsetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=100)
    total: str = Field(pattern=MONEY, description="the order's total before points")


class RedemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=1, max_length=128)
    reward: str | None = Field(None, description="a catalogue reward; or `order` for a cash offset")
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)
    order: OrderOffsetIn | None = None
    points: int | None = Field(
        None, ge=1, le=MAX_POINTS, description="cash offset: at most this many points"
    )
    mode: Literal["capture", "hold"] | None = Field(
        None, description="hold: reserve now, capture later (default for a cash offset)"
    )
    ttl_seconds: int | None = Field(None, ge=1, le=30 * 86400)


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=1, max_length=128)
    total: str = Field(pattern=MONEY)
    points: int | None = Field(None, ge=1, le=MAX_POINTS)


class QuoteOut(Out):
    member: str
    order_total: int
    points: int
    discount: int
    payable: int
    available: int
    max_discount: int


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=500)


def _out(view: RedemptionView, response: Response) -> RedemptionOut:
    replayed_header(response, view.replayed)
    return RedemptionOut.model_validate(view)


@router.get(
    "/members/{external_id}/redemptions",
    response_model=list[RedemptionOut],
    summary="The member's redemptions, newest first, with their vouchers",
)
def member_redemptions(external_id: str, caller: LedgerRead) -> list[RedemptionOut]:
    found = redemption.redemptions_of(caller.jf.uow(write=False), caller.program, external_id)
    return [RedemptionOut.model_validate(r) for r in found]


@router.post(
    "/redemptions",
    status_code=status.HTTP_201_CREATED,
    response_model=RedemptionOut,
    summary="Redeem a reward, or pay part of an order with points",
)
def redeem(
    body: RedemptionIn, caller: LedgerWrite, key: IdempotencyKey, response: Response
) -> RedemptionOut:
    jf = caller.jf
    if (body.reward is None) == (body.order is None):
        raise InvalidInput("give either a reward or an order", field="reward")
    if body.order is not None:
        cmd = PayWithPoints(
            body.member,
            body.order.reference,
            body.order.total,
            body.points,
            body.mode != "capture",
            body.ttl_seconds,
        )
        view = redemption.pay_with_points(
            jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or ""
        )
    else:
        assert body.reward is not None
        reward = RedeemReward(
            body.member, body.reward, body.quantity, body.mode == "hold", body.ttl_seconds
        )
        view = redemption.redeem_reward(
            jf.uow(), jf.clock, jf.rulebooks, caller.program, reward, key or ""
        )
    return _out(view, response)


@router.post(
    "/redemptions/quote",
    response_model=QuoteOut,
    summary="What points would take off an order now (writes nothing)",
)
def quote(body: QuoteIn, caller: LedgerRead) -> QuoteOut:
    jf = caller.jf
    found = redemption.quote_offset(
        jf.uow(write=False),
        jf.clock,
        jf.rulebooks,
        caller.program,
        body.member,
        body.total,
        body.points,
    )
    return QuoteOut.model_validate(found)


@router.get("/redemptions/{redemption_id}", response_model=RedemptionOut, summary="A redemption")
def get_redemption(redemption_id: RowId, caller: LedgerRead) -> RedemptionOut:
    found = redemption.get_redemption(caller.jf.uow(write=False), caller.program, redemption_id)
    return RedemptionOut.model_validate(found)


def _settle(
    redemption_id: RowId,
    action: str,
    caller: Caller,
    key: str | None,
    response: Response,
    reason: str | None = None,
) -> RedemptionOut:
    jf = caller.jf
    cmd = SettleRedemption(redemption_id, action, reason, caller.principal.actor)
    view = redemption.settle_redemption(
        jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or ""
    )
    return _out(view, response)


@router.post(
    "/redemptions/{redemption_id}/capture",
    response_model=RedemptionOut,
    summary="Spend a held redemption's points (the order is paid)",
)
def capture(
    redemption_id: RowId, caller: LedgerWrite, key: IdempotencyKey, response: Response
) -> RedemptionOut:
    return _settle(redemption_id, "capture", caller, key, response)


@router.post(
    "/redemptions/{redemption_id}/release",
    response_model=RedemptionOut,
    summary="Give a held redemption's points and stock back",
)
def release(
    redemption_id: RowId, caller: LedgerWrite, key: IdempotencyKey, response: Response
) -> RedemptionOut:
    return _settle(redemption_id, "release", caller, key, response)


@router.post(
    "/redemptions/{redemption_id}/cancel",
    response_model=RedemptionOut,
    summary="Cancel a completed redemption: points to their lots, stock back, vouchers void",
)
def cancel(
    redemption_id: RowId,
    caller: LedgerWrite,
    key: IdempotencyKey,
    response: Response,
    body: CancelIn | None = None,
) -> RedemptionOut:
    return _settle(redemption_id, "cancel", caller, key, response, body.reason if body else None)

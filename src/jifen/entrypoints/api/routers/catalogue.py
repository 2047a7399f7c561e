"""The reward catalogue over HTTP: rewards with live stock, a member's rewards, edits, stock."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jifen.entrypoints.api.bounds import Instant
from jifen.entrypoints.api.deps import IdempotencyKey, LedgerRead
from jifen.entrypoints.api.rendering import replayed_header
from jifen.entrypoints.api.routers.redemption import MONEY, Admin, Out
from jifen.services import redemption
from jifen.services.redemption import SetStock

router = APIRouter(prefix="/v1", tags=["catalogue"])


class RewardOut(Out):
    code: str
    kind: str
    name: dict[str, str]
    description: dict[str, str]
    points: int
    cash: int = Field(description="minor units paid on top of the points")
    category: str | None
    image_url: str | None
    stock: int | None = Field(description="declared in the programme file; null: unlimited")
    remaining: int | None
    starts: datetime | None
    ends: datetime | None
    available_now: bool
    tiers: list[str]
    limits: list[dict[str, Any]]
    voucher: dict[str, int] | None


class ReachableOut(Out):
    reward: RewardOut
    missing: int


class MemberRewardsOut(Out):
    member: str
    available: int
    tier: str | None
    typical_order_points: int
    affordable: list[RewardOut]
    one_purchase_away: list[ReachableOut]


class StockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remaining: int = Field(ge=0, le=10**9, description="how many are left from now on")
    reason: str = Field(min_length=1, max_length=500)


class StockOut(Out):
    reward: str
    remaining: int


class LimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per: Literal["day", "week", "month", "year", "lifetime"]
    max_times: int = Field(ge=1, le=10**9)


class VoucherTermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    valid_days: int = Field(ge=1, le=3650)
    face_value: str = Field("0.00", pattern=MONEY)
    min_spend: str = Field("0.00", pattern=MONEY)


class RewardIn(BaseModel):
    """A reward as the programme file declares it (money as decimal strings)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["goods", "experience", "voucher"]
    name: dict[str, str] = Field(min_length=1)
    description: dict[str, str] | None = None
    points: int = Field(ge=1, le=10**9)
    cash: str | None = Field(None, pattern=MONEY)
    cost: str | None = Field(None, pattern=MONEY)
    value: str | None = Field(None, pattern=MONEY)
    category: str | None = Field(None, max_length=64)
    image_url: str | None = Field(None, max_length=2000)
    stock: int | None = Field(None, ge=0, le=10**9)
    starts: Instant | None = None
    ends: Instant | None = None
    min_tier: str | None = None
    limits: list[LimitIn] | None = None
    voucher: VoucherTermsIn | None = None


@router.get("/rewards", response_model=list[RewardOut], summary="The catalogue, with live stock")
def list_rewards(caller: LedgerRead) -> list[RewardOut]:
    jf = caller.jf
    found = redemption.rewards(jf.uow(write=False), jf.clock, jf.rulebooks, caller.program)
    return [RewardOut.model_validate(r) for r in found]


@router.get(
    "/members/{external_id}/rewards",
    response_model=MemberRewardsOut,
    summary="What the member can redeem now, and what is one purchase away",
)
def member_rewards(external_id: str, caller: LedgerRead) -> MemberRewardsOut:
    jf = caller.jf
    found = redemption.member_rewards(
        jf.uow(write=False), jf.clock, jf.rulebooks, caller.program, external_id
    )
    return MemberRewardsOut.model_validate(found)


@router.put(
    "/rewards/{code}",
    response_model=RewardOut,
    summary="Add or replace a reward: publishes the next programme version (admin)",
)
def put_reward(code: str, body: RewardIn, caller: Admin) -> RewardOut:
    jf = caller.jf
    fields = body.model_dump(mode="json", exclude_none=True)
    found = redemption.put_reward(
        jf.uow(),
        jf.clock,
        jf.compile,
        jf.editor,
        jf.rulebooks,
        caller.program,
        code,
        fields,
        caller.principal.actor,
    )
    return RewardOut.model_validate(found)


@router.delete(
    "/rewards/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take a reward out of the catalogue in the next programme version (admin)",
)
def delete_reward(code: str, caller: Admin) -> Response:
    jf = caller.jf
    redemption.remove_reward(
        jf.uow(), jf.clock, jf.compile, jf.editor, caller.program, code, caller.principal.actor
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/rewards/{code}/stock",
    response_model=StockOut,
    summary="Count a reward's stock: how many are left from now on (audited)",
)
def set_stock(
    code: str, body: StockIn, caller: Admin, key: IdempotencyKey, response: Response
) -> StockOut:
    jf = caller.jf
    cmd = SetStock(code, body.remaining, body.reason, caller.principal.actor)
    found = redemption.set_stock(jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or "")
    replayed_header(response, found.replayed)
    return StockOut.model_validate(found)

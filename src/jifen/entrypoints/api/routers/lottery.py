"""Lottery draws and gifts to causes: the playful and the generous ways to spend points."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jifen.entrypoints.api.deps import IdempotencyKey, LedgerRead, LedgerWrite
from jifen.entrypoints.api.rendering import replayed_header
from jifen.entrypoints.api.routers.redemption import VoucherOut
from jifen.services import redemption
from jifen.services.redemption import MAX_DRAWS, Donate, DrawLottery

router = APIRouter(prefix="/v1", tags=["lottery and causes"])


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PrizeOut(Out):
    code: str
    kind: str = Field(description="points or reward")
    name: dict[str, str]
    chance: str = Field(description='a percentage, e.g. "0.5%"')
    points: int
    reward: str | None
    stock: int | None
    remaining: int | None
    fallback: str | None


class LotteryOut(Out):
    code: str
    name: dict[str, str]
    description: dict[str, str]
    points: int = Field(description="points per draw")
    version: str = Field(description="the prize table's digest; every draw records it")
    prizes: list[PrizeOut]
    no_prize_chance: str
    starts: datetime | None
    ends: datetime | None
    open_now: bool
    tiers: list[str]
    limits: list[dict[str, Any]]


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=1, max_length=128)
    lottery: str = Field(min_length=1, max_length=64)
    draws: int = Field(1, ge=1, le=MAX_DRAWS)


class DrawOut(Out):
    id: int
    roll: int = Field(description="the number drawn, below out_of")
    out_of: int
    drawn: str | None = Field(description="the prize the number won")
    prize: str | None = Field(description="the prize given: drawn, or its fallback; null: none")
    kind: str | None
    name: dict[str, str]
    points: int = Field(description="points won")
    reward: str | None
    redemption_id: int | None
    vouchers: list[VoucherOut]
    created_at: datetime


class DrawsOut(Out):
    member: str
    lottery: str
    version: str
    cost: int
    draws: list[DrawOut]
    available: int
    pending: int
    held: int


class CauseOut(Out):
    code: str
    name: dict[str, str]
    description: dict[str, str]
    min_points: int
    step: int
    goal: int | None
    points: int = Field(description="given so far by every member")
    donors: int
    gifts: int
    worth: int | None = Field(description="what the brand gives for them, minor units")
    open_now: bool
    starts: datetime | None
    ends: datetime | None


class DonationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=1, max_length=128)
    cause: str = Field(min_length=1, max_length=64)
    points: int = Field(ge=1, le=10**12)


class DonationOut(Out):
    id: int
    member: str
    cause: str
    points: int
    worth: int | None
    cause_points: int = Field(description="the cause's running total, this gift included")
    available: int
    pending: int
    held: int
    created_at: datetime


@router.get("/lotteries", response_model=list[LotteryOut], summary="Lotteries and their odds")
def list_lotteries(caller: LedgerRead) -> list[LotteryOut]:
    jf = caller.jf
    found = redemption.lotteries(jf.uow(write=False), jf.clock, jf.rulebooks, caller.program)
    return [LotteryOut.model_validate(x) for x in found]


@router.post(
    "/lottery/draws",
    status_code=status.HTTP_201_CREATED,
    response_model=DrawsOut,
    summary="Pay for and make one or more draws",
)
def draw(body: DrawIn, caller: LedgerWrite, key: IdempotencyKey, response: Response) -> DrawsOut:
    jf = caller.jf
    cmd = DrawLottery(body.member, body.lottery, body.draws)
    view = redemption.draw(
        jf.uow(), jf.clock, jf.chance, jf.rulebooks, caller.program, cmd, key or ""
    )
    replayed_header(response, view.replayed)
    return DrawsOut.model_validate(view)


@router.get(
    "/members/{external_id}/draws",
    response_model=list[DrawOut],
    summary="The member's lottery draws, newest first",
)
def member_draws(external_id: str, caller: LedgerRead) -> list[DrawOut]:
    jf = caller.jf
    found = redemption.draws_of(jf.uow(write=False), jf.rulebooks, caller.program, external_id)
    return [DrawOut.model_validate(x) for x in found]


@router.get("/causes", response_model=list[CauseOut], summary="Causes and their running totals")
def list_causes(caller: LedgerRead) -> list[CauseOut]:
    jf = caller.jf
    found = redemption.causes(jf.uow(write=False), jf.clock, jf.rulebooks, caller.program)
    return [CauseOut.model_validate(x) for x in found]


@router.post(
    "/donations",
    status_code=status.HTTP_201_CREATED,
    response_model=DonationOut,
    summary="Give points to a cause",
)
def donate(
    body: DonationIn, caller: LedgerWrite, key: IdempotencyKey, response: Response
) -> DonationOut:
    jf = caller.jf
    cmd = Donate(body.member, body.cause, body.points)
    view = redemption.donate(jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or "")
    replayed_header(response, view.replayed)
    return DonationOut.model_validate(view)

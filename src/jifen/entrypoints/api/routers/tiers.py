"""A member's tier (current, progress, history), operator overrides, and expiring points."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from jifen.entrypoints.api.bounds import Instant
from jifen.entrypoints.api.deps import Caller, IdempotencyKey, MembersRead, scoped
from jifen.entrypoints.api.rendering import replayed_header
from jifen.services import members, tiers
from jifen.services.tiers import SetTierFloor

router = APIRouter(prefix="/v1/members", tags=["tiers"])
Admin = Annotated[Caller, Depends(scoped("admin"))]


class GapOut(BaseModel):
    metric: str = Field(description="spend (minor units), points (earned) or orders")
    have: int
    need: int
    missing: int


class TierChangeOut(BaseModel):
    from_tier: str | None
    to_tier: str | None
    reason: str
    actor: str | None
    at: datetime
    detail: dict[str, Any]


class TierOut(BaseModel):
    member: str
    tier: str
    name: dict[str, str]
    multiplier: str
    perks: list[dict[str, str]]
    since: datetime | None
    review_month: int | None = Field(description="yyyymm: reviewed at its first instant")
    at_risk: bool
    floor: str | None
    floor_until: datetime | None
    next_tier: str | None
    next_name: dict[str, str] | None
    routes: list[list[GapOut]] = Field(
        description="ways to reach the next tier: any one route, every gap in it"
    )
    close_to_next: bool
    retain: list[list[GapOut]] = Field(description="what keeping the tier still needs")
    history: list[TierChangeOut]


class TierIn(BaseModel):
    tier: str | None = Field(description="at least this tier until `until`; null removes it")
    until: Instant | None = None
    reason: str = Field(min_length=1, max_length=500)


class ExpiringDayOut(BaseModel):
    date: date
    expires_at: datetime
    points: int


class ExpiringOut(BaseModel):
    member: str
    days: int
    total: int
    by_day: list[ExpiringDayOut]


@router.get("/{external_id}/tier", response_model=TierOut, summary="Tier, progress and history")
def get_tier(external_id: str, caller: MembersRead) -> TierOut:
    jf = caller.jf
    view = tiers.tier_view(jf.uow(write=False), jf.clock, jf.rulebooks, caller.program, external_id)
    return TierOut.model_validate(view, from_attributes=True)


@router.post(
    "/{external_id}/tier",
    response_model=TierOut,
    summary="Override a member's tier: at least this tier until a date (audited)",
)
def set_tier(
    external_id: str, body: TierIn, caller: Admin, key: IdempotencyKey, response: Response
) -> TierOut:
    jf = caller.jf
    cmd = SetTierFloor(external_id, body.tier, body.until, body.reason, caller.principal.actor)
    view = tiers.set_floor(jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or "")
    replayed_header(response, view.replayed)
    return TierOut.model_validate(view, from_attributes=True)


@router.get(
    "/{external_id}/expiring",
    response_model=ExpiringOut,
    summary="Points expiring in the next days, by local day",
)
def get_expiring(
    external_id: str, caller: MembersRead, days: int = Query(90, ge=1, le=members.MAX_DAYS)
) -> ExpiringOut:
    jf = caller.jf
    found = members.expiring(jf.uow(write=False), jf.clock, caller.program, external_id, days)
    return ExpiringOut.model_validate(found, from_attributes=True)

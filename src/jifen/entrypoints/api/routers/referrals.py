"""Referrals: the report, a member's friends, and voiding one."""

from __future__ import annotations

from fastapi import APIRouter, Response

from jifen.entrypoints.api.deps import IdempotencyKey, LedgerWrite, MembersRead
from jifen.entrypoints.api.rendering import replayed_header
from jifen.entrypoints.api.schemas import (
    FriendOut,
    ReferralReportOut,
    ReferrerOut,
    VoidReferralIn,
)
from jifen.services import engagement
from jifen.services.engagement import VoidReferral

router = APIRouter(prefix="/v1", tags=["referrals"])


@router.get(
    "/referrals",
    response_model=ReferralReportOut,
    summary="Referrals counted, and the busiest referrers with their friends and flags",
)
def referral_report(caller: MembersRead) -> ReferralReportOut:
    jf = caller.jf
    report = engagement.referral_report(jf.uow(write=False), jf.clock, caller.program)
    return ReferralReportOut.model_validate(report)


@router.get(
    "/members/{external_id}/referrals",
    response_model=ReferrerOut,
    summary="The friends a member referred, and what their referrals paid",
)
def member_referrals(external_id: str, caller: MembersRead) -> ReferrerOut:
    jf = caller.jf
    view = engagement.member_referrals(jf.uow(write=False), jf.clock, caller.program, external_id)
    return ReferrerOut.model_validate(view)


@router.post(
    "/members/{external_id}/referral/void",
    response_model=FriendOut,
    summary="Void the referral that brought a member: both sides' points taken back",
)
def void_referral(
    external_id: str,
    body: VoidReferralIn,
    caller: LedgerWrite,
    key: IdempotencyKey,
    response: Response,
) -> FriendOut:
    jf = caller.jf
    cmd = VoidReferral(external_id, body.reason.strip(), caller.principal.actor)
    view = engagement.void_referral(
        jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or ""
    )
    replayed_header(response, view.replayed)
    return FriendOut.model_validate(view)

"""Members' data rights: their data exported, their personal data erased."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from jifen.entrypoints.api.deps import IdempotencyKey, MembersRead, MembersWrite
from jifen.entrypoints.api.rendering import replayed_header
from jifen.services import rights
from jifen.services.rights import EraseMember

router = APIRouter(prefix="/v1/members", tags=["rights"])

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
READ_STATUSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid API key", **_PROBLEM},
    403: {"description": "the key lacks members:read", **_PROBLEM},
    404: {"description": "member_not_found (erased members too)", **_PROBLEM},
}
WRITE_STATUSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "idempotency_key_required or idempotency_key_invalid", **_PROBLEM},
    401: {"description": "no valid API key", **_PROBLEM},
    403: {"description": "the key lacks members:write", **_PROBLEM},
    404: {"description": "member_not_found", **_PROBLEM},
    409: {"description": "erasure_while_held, idempotency_key_reused", **_PROBLEM},
}


class MemberExportOut(BaseModel):
    """``jifen.member-export/1``: see docs/api.md for every field."""

    model_config = ConfigDict(from_attributes=True)

    format: str = Field(examples=["jifen.member-export/1"])
    exported_at: datetime
    program: str
    profile: dict[str, Any]
    consents: list[dict[str, Any]] = Field(description="every consent answer, oldest first")
    balances: dict[str, int]
    lots: list[dict[str, Any]]
    history: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    redemptions: list[dict[str, Any]]
    vouchers: list[dict[str, Any]]
    engagement: dict[str, list[dict[str, Any]]] = Field(
        description="activities, task_proofs, challenges, badges, leaderboards"
    )
    referral: dict[str, Any] = Field(
        description="referred (the member's own referral, or null), friends_joined,"
        " friends_converted, points_for_friends"
    )


class ErasedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    member: str = Field(description="the pseudonym the ledger keeps: erased-<n>")
    status: str
    forfeited: int = Field(description="points given up (available and pending)")
    entry_id: int | None = Field(description="the forfeit entry, when there were points")
    erased_at: datetime


@router.get(
    "/{external_id}/export",
    response_model=MemberExportOut,
    responses=READ_STATUSES,
    summary="Everything held about a member, as jifen.member-export/1",
)
def export_member(external_id: str, caller: MembersRead) -> MemberExportOut:
    found = rights.export_member(
        caller.jf.uow(write=False), caller.jf.clock, caller.program, external_id
    )
    return MemberExportOut.model_validate(found)


@router.post(
    "/{external_id}/erasure",
    response_model=ErasedOut,
    responses=WRITE_STATUSES,
    summary="Erase a member: points forfeited, personal data removed, the id retired",
)
def erase_member(
    external_id: str, caller: MembersWrite, key: IdempotencyKey, response: Response
) -> ErasedOut:
    cmd = EraseMember(external_id, caller.principal.actor)
    done = rights.erase_member(caller.jf.uow(), caller.jf.clock, caller.program, cmd, key or "")
    replayed_header(response, done.replayed)
    return ErasedOut.model_validate(done)

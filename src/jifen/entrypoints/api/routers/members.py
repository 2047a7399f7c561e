"""Members: create, read, update, and their history."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status
from starlette.concurrency import run_in_threadpool

from jifen.domain.access import keyed_hash
from jifen.entrypoints.api.deps import (
    IdempotencyKey,
    LedgerRead,
    MembersRead,
    MembersWrite,
)
from jifen.entrypoints.api.rendering import rendered, replayed_header
from jifen.entrypoints.api.schemas import EntriesOut, MemberIn, MemberOut, MemberPatch
from jifen.services import engagement, members
from jifen.services.engagement import Enrol
from jifen.services.members import UpdateMember

router = APIRouter(prefix="/v1/members", tags=["members"])


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=MemberOut, summary="Enrol a member"
)
def create_member(
    body: MemberIn, caller: MembersWrite, key: IdempotencyKey, response: Response
) -> MemberOut:
    jf = caller.jf
    cmd = Enrol(
        body.external_id,
        body.phone,
        body.email,
        body.birthday,
        body.attributes,
        body.display_name,
        body.language,
        body.consents,
        body.referral_code,
        device=None
        if body.device_id is None
        else keyed_hash(f"device:{body.device_id}", jf.settings.secret_key),
    )
    view = engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or "")
    replayed_header(response, view.replayed)
    return MemberOut.model_validate(view)


@router.get(
    "/{external_id}",
    response_model=MemberOut,
    summary="A member with balances and points expiring in 30 days",
)
async def get_member(external_id: str, caller: MembersRead) -> Response:
    jf, reads = caller.jf, caller.reads
    view = None
    if reads is not None:  # one statement in this loop; None: balances due to move
        view = await members.get_member_at_once(reads, jf.clock, caller.program, external_id)
    if view is None:
        uow = jf.uow(write=False)
        view = await run_in_threadpool(
            members.get_member, uow, jf.clock, caller.program, external_id
        )
    return rendered(MemberOut.model_validate(view), status.HTTP_200_OK, replayed=False)


@router.patch("/{external_id}", response_model=MemberOut, summary="Update a member")
def update_member(
    external_id: str,
    body: MemberPatch,
    caller: MembersWrite,
    key: IdempotencyKey,
    response: Response,
) -> MemberOut:
    cmd = UpdateMember(external_id, body.model_dump(exclude_unset=True))
    view = members.update_member(caller.jf.uow(), caller.jf.clock, caller.program, cmd, key or "")
    replayed_header(response, view.replayed)
    return MemberOut.model_validate(view)


@router.get(
    "/{external_id}/entries",
    response_model=EntriesOut,
    summary="The member's ledger entries, newest first",
)
async def list_entries(
    external_id: str,
    caller: LedgerRead,
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(50, ge=1, le=200),
) -> Response:
    program, reads = caller.program, caller.reads
    if reads is not None:
        page = await members.history_at_once(reads, program, external_id, cursor, limit)
    else:
        uow = caller.jf.uow(write=False)
        page = await run_in_threadpool(members.history, uow, program, external_id, cursor, limit)
    out = EntriesOut.model_validate(page, from_attributes=True)
    return rendered(out, status.HTTP_200_OK, replayed=False)


codes = APIRouter(prefix="/v1/member-codes", tags=["members"])


@codes.get(
    "/{code}",
    response_model=MemberOut,
    summary="The member whose membership code this is (what a till scans)",
)
def get_member_by_code(code: str, caller: MembersRead) -> MemberOut:
    jf = caller.jf
    view = members.get_member_by_code(jf.uow(write=False), jf.clock, caller.program, code)
    return MemberOut.model_validate(view)

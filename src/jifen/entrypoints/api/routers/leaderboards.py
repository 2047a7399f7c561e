"""Leaderboards: the programme's, a board's top with a member's own rank, and a member
hiding from them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from jifen.domain.leaderboards import Board
from jifen.entrypoints.api.deps import IdempotencyKey, MembersRead, MembersWrite
from jifen.entrypoints.api.rendering import replayed_header
from jifen.entrypoints.api.schemas import (
    BoardOut,
    HiddenOut,
    HideIn,
    LeaderboardOut,
    MineOut,
    StandingOut,
)
from jifen.services import leaderboards, programs

router = APIRouter(prefix="/v1", tags=["leaderboards"])
Text = Annotated[str | None, Query(max_length=64)]


def board_out(b: Board) -> LeaderboardOut:
    return LeaderboardOut(
        id=b.id,
        name=dict(b.name),
        description=dict(b.description),
        metric=b.metric.value,
        counter=b.counter,
        period=b.period.value,
        scope=b.scope.value,
        size=b.size,
        prizes=[{"first": p.first, "last": p.last, "points": p.points} for p in b.prizes],
    )


@router.get(
    "/leaderboards", response_model=list[LeaderboardOut], summary="The programme's leaderboards"
)
def list_boards(caller: MembersRead) -> list[LeaderboardOut]:
    jf = caller.jf
    found = programs.rules_of(jf.uow(write=False), jf.rulebooks, caller.program)
    return [board_out(b) for b in (found.leaderboards.values() if found else ())]


@router.get(
    "/leaderboards/{board}",
    response_model=BoardOut,
    summary="A board's top in a period and place, with a member's own rank",
)
def show_board(
    board: str,
    caller: MembersRead,
    member: Text = None,
    scope: Text = None,
    period: Annotated[str | None, Query(max_length=16)] = None,
) -> BoardOut:
    jf = caller.jf
    view = leaderboards.board_now(
        jf.uow(write=False), jf.clock, jf.rulebooks, caller.program, board,
        member=member, scope=scope, period=period,
    )  # fmt: skip
    mine = view.mine
    return BoardOut(
        id=view.board.id,
        period=view.period,
        scope=view.scope,
        frozen=view.frozen,
        top=[StandingOut(rank=r.rank, name=r.name, score=r.score, me=r.me) for r in view.top],
        prizes=list(view.prizes),
        mine=None
        if mine is None
        else MineOut(rank=mine.rank, score=mine.score, hidden=mine.hidden),
    )


@router.put(
    "/members/{external_id}/leaderboards",
    response_model=HiddenOut,
    summary="A member hides from leaderboards, or shows on them again",
)
def hide(
    external_id: str, body: HideIn, caller: MembersWrite, key: IdempotencyKey, response: Response
) -> HiddenOut:
    jf = caller.jf
    cmd = leaderboards.HideFromBoards(external_id, body.hidden)
    done = leaderboards.hide_from_boards(jf.uow(), jf.clock, caller.program, cmd, key or "")
    replayed_header(response, done.replayed)
    return HiddenOut(member=done.member, hidden=done.hidden)

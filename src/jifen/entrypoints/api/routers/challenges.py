"""Challenges and badges: the programme's, and a member's with their progress."""

from __future__ import annotations

from fastapi import APIRouter

from jifen.domain.challenges import Badge, Challenge, Counts
from jifen.domain.money import to_major
from jifen.entrypoints.api.deps import MembersRead
from jifen.entrypoints.api.schemas import (
    BadgeHeldOut,
    BadgeOut,
    ChallengeOut,
    MemberChallengeOut,
    MemberChallengesOut,
)
from jifen.services import challenges, programs
from jifen.services.challenges import ChallengeView

router = APIRouter(prefix="/v1", tags=["challenges"])
IMAGES = "/static/badges/"


def _amount(c: Challenge, value: int, currency: str) -> int | str:
    """A spend in major units, as the API writes money; any other count as a number."""
    return str(to_major(value, currency)) if c.counts is Counts.SPEND else value


def challenge_out(c: Challenge, currency: str) -> ChallengeOut:
    return ChallengeOut(
        id=c.id,
        name=dict(c.name),
        how=dict(c.how),
        counts=c.counts.value,
        activity=c.activity,
        goal=_amount(c, c.goal, currency),
        in_a_row=c.in_a_row.value if c.in_a_row else None,
        grace=c.grace,
        period=c.period.value if c.period else None,
        starts=c.window.starts,
        ends=c.window.ends,
        points=c.points,
        badge=c.badge,
        after_done=c.after_done.value,
        members_only=c.who is not None,
    )


def badge_out(b: Badge) -> BadgeOut:
    return BadgeOut(
        id=b.id, name=dict(b.name), description=dict(b.description), image=IMAGES + b.image
    )


@router.get("/challenges", response_model=list[ChallengeOut], summary="The programme's challenges")
def list_challenges(caller: MembersRead) -> list[ChallengeOut]:
    jf = caller.jf
    found = programs.rules_of(jf.uow(write=False), jf.rulebooks, caller.program)
    currency = caller.program.currency
    return [challenge_out(c, currency) for c in (found.challenges.values() if found else ())]


@router.get("/badges", response_model=list[BadgeOut], summary="The programme's badges")
def list_badges(caller: MembersRead) -> list[BadgeOut]:
    jf = caller.jf
    found = programs.rules_of(jf.uow(write=False), jf.rulebooks, caller.program)
    return [badge_out(b) for b in (found.badges.values() if found else ())]


@router.get(
    "/members/{external_id}/challenges",
    response_model=MemberChallengesOut,
    summary="The challenges a member takes part in now, how far they have come, their badges",
)
def member_challenges(external_id: str, caller: MembersRead) -> MemberChallengesOut:
    jf = caller.jf
    now = challenges.member_challenges(
        jf.uow(write=False), jf.clock, jf.rulebooks, caller.program, external_id
    )
    currency = caller.program.currency
    return MemberChallengesOut(
        challenges=[_progress(v, currency) for v in now.challenges],
        badges=[
            BadgeHeldOut(
                **badge_out(b.badge).model_dump(),
                awarded_at=b.held.awarded_at,
                challenge=b.held.challenge_id,
            )
            for b in now.badges
            if b.held is not None
        ],
    )


def _progress(v: ChallengeView, currency: str) -> MemberChallengeOut:
    c = v.challenge
    return MemberChallengeOut(
        challenge=challenge_out(c, currency),
        round=v.round,
        progress=_amount(c, v.progress, currency),
        done=v.done,
        done_at=v.done_at,
        round_ends=v.ends,
    )

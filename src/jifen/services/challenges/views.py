"""Challenges and badges as a member sees them: each challenge they take part in with how
far they have come in its current round ("3 of 4 weeks"), and the badges they hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from jifen.domain.challenges import Badge, Challenge, round_of, shown
from jifen.domain.definition import ProgramDefinition
from jifen.domain.earning import Period, activation, member_vars
from jifen.domain.errors import MemberNotFound
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.challenges.ports import ChallengeWork, HeldBadge, Progress
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks


@dataclass(frozen=True)
class ChallengeView:
    challenge: Challenge
    round: str
    progress: int  # in the unit of the goal: shown against challenge.goal
    done_at: datetime | None
    ends: datetime | None  # when this round ends (None: never)

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class BadgeView:
    badge: Badge
    held: HeldBadge | None  # None: not (yet) held


@dataclass(frozen=True)
class ChallengesNow:
    challenges: tuple[ChallengeView, ...]
    badges: tuple[BadgeView, ...]  # held ones first, then those a challenge still gives


def member_challenges(
    uow: ChallengeWork, clock: Clock, rulebooks: Rulebooks, program: Program, external_id: str
) -> ChallengesNow:
    """The challenges ``external_id`` takes part in now, with their progress, and badges."""
    now = clock.now()
    with uow:
        member = uow.members.get(program.id, external_id)
        if member is None:
            raise MemberNotFound(external_id)
        definition = rulebooks.current_or_none(uow, program)
        if definition is None:
            return ChallengesNow((), ())
        return challenges_of(uow, definition, member, now)


def challenges_of(
    uow: ChallengeWork, definition: ProgramDefinition, member: Member, now: datetime
) -> ChallengesNow:
    """Inside an open unit of work: the challenges running that ``member`` takes part in,
    with their rounds as they stand at ``now``, and the programme's badges."""
    earning = definition.earning
    local = now.astimezone(earning.tz)
    act = activation(member=member_vars(member, local, earning.currency), now=local)
    open_ = [
        c for c in definition.challenges.values()
        if c.window.contains(local) and (c.who is None or c.who(act) is True)
    ]  # fmt: skip
    keys = [(c.id, round_of(c, local)) for c in open_]
    rounds = uow.challenges.progress(member.id, keys) if keys else {}
    views = tuple(
        _view(c, rounds.get((c.id, r)), r, local)
        for c, r in zip(open_, [k[1] for k in keys], strict=True)
    )
    held = uow.challenges.badges_of(member.id)
    return ChallengesNow(views, badges_of(definition.badges, held, open_))


def badges_of(
    badges: Mapping[str, Badge], held: Sequence[HeldBadge], running: Sequence[Challenge]
) -> tuple[BadgeView, ...]:
    """The badges held (the latest first), then those a running challenge may still give."""
    have = [BadgeView(badges[h.badge], h) for h in held if h.badge in badges]
    mine = {h.badge for h in held}
    more = [
        BadgeView(badges[b], None)
        for b in dict.fromkeys(c.badge for c in running if c.badge is not None)
        if b not in mine and b in badges
    ]
    return (*have, *more)


def _view(c: Challenge, was: Progress | None, round_: str, local: datetime) -> ChallengeView:
    done_at = was.done_at if was else None
    progress = shown(c, was.tally if was else {}, local, done_at is not None)
    ends = _round_end(c.period, local) if c.period is not None else c.window.ends
    if c.window.ends is not None and ends is not None:
        ends = min(ends, c.window.ends)
    return ChallengeView(c, round_, progress, done_at, ends)


def _round_end(per: Period, local: datetime) -> datetime:
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if per is Period.WEEK:
        return day + timedelta(days=7 - day.weekday())
    if per is Period.MONTH:
        return day.replace(day=1, year=day.year + day.month // 12, month=day.month % 12 + 1)
    return day.replace(year=day.year + 1, month=1, day=1)

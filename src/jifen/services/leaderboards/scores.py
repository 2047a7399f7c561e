"""Scores moved by what members do, in the transaction that records it (ADR 0035).

``on_scored`` adds what one order, refund or activity scores to each board it counts on:
the member's row on that board is read (one indexed read for all of them) and written
back, and the counts of scores move with it, their rows in one fixed order. It runs last
in its transaction, after every member row it locks, so a count row is never held while
a member row is awaited.
"""

from __future__ import annotations

from datetime import datetime

from jifen.domain.definition import ProgramDefinition
from jifen.domain.leaderboards import Metric, Place, period_of, scope_of
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.leaderboards.ports import LeaderboardWork, ScoreChange


def on_scored(
    uow: LeaderboardWork,
    definition: ProgramDefinition,
    program: Program,
    member: Member,
    now: datetime,
    *,
    points: int = 0,
    challenges: int = 0,
    activity: str | None = None,
    store: str | None = None,
    city: object = None,
    at: datetime | None = None,
) -> None:
    """``member`` scored ``points`` (negative: a refund took them back), completed
    ``challenges`` rounds and/or did ``activity``, at ``store`` (in ``city``: by default
    the member's). ``at``: when what is scored was first recorded (a refund's order):
    nothing moves once its period ended."""
    boards = definition.leaderboards
    if not boards:
        return
    tz = definition.earning.tz
    local, first = now.astimezone(tz), (at or now).astimezone(tz)
    city = city if city is not None else member.attributes.get("city")
    deltas: dict[Place, int] = {}
    for b in boards.values():
        if b.metric is Metric.POINTS:
            amount = points
        elif b.metric is Metric.CHALLENGES:
            amount = challenges
        else:
            amount = 1 if activity is not None and activity == b.counter else 0
        period = period_of(b, local)
        if amount == 0 or period_of(b, first) != period:
            continue
        scope = scope_of(b, store, city)
        if scope is not None:
            place = (b.id, period, scope)
            deltas[place] = deltas.get(place, 0) + amount
    if not deltas:
        return
    known = uow.leaderboards.scores(program.id, member.id, deltas)
    changes = []
    for place, delta in deltas.items():
        old = known.get(place)
        new = max(0, (old or 0) + delta)
        if new != old and not (old is None and new == 0):
            changes.append(ScoreChange(place, member.id, old, new))
    uow.leaderboards.write(program.id, changes, member.hidden_from_boards, now)

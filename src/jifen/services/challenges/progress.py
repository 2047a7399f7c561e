"""Challenges moved along by the orders and activities that count for them, in their own
transaction (ADR 0034).

- ``on_order``: after an order's points are credited, what it adds to each running
  challenge it counts for; a round that reaches its goal is rewarded there and then. The
  order keeps what it added (``orders.challenges``) for a refund to take back.
- ``on_activity``: the same for an activity (a check-in, a task).
- ``on_refund``: a refund takes back what the order no longer adds. A round not yet done
  simply counts less; a done one keeps its reward, unless the challenge says ``reverse``
  and the round fell under its goal: then the reward is taken back, and the goal may be
  reached again.

Each reads the member's rounds it touches (one indexed read) and writes each back; the
member is locked by the order or activity, so concurrent orders of one member move a
round one after another and its reward is given once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jifen.domain.challenges import (
    AfterDone,
    Tally,
    activity_counts,
    contribution,
    measure,
    round_of,
    take_away,
)
from jifen.domain.challenges.progress import add
from jifen.domain.definition import ProgramDefinition
from jifen.domain.earning import Condition, Order, activation, order_vars
from jifen.domain.earning.variables import activity_vars
from jifen.services.challenges import rewards
from jifen.services.challenges.ports import ChallengeWork, Progress
from jifen.services.ledger import Book

#: what an order added, as it keeps it: challenge id -> [round, tally]
Added = dict[str, list[Any]]


@dataclass(frozen=True)
class Reached:
    """A round whose goal was reached now (or, ``undone``, un-reached by a refund)."""

    challenge_id: str
    round: str
    points: int
    badge: str | None
    undone: bool = False
    at: datetime | None = None  # undone: when the round had been done

    def told(self) -> dict[str, Any]:
        return {"challenge": self.challenge_id, "round": self.round, "points": self.points,
                "badge": self.badge}  # fmt: skip


@dataclass(frozen=True)
class Moved:
    added: Added = field(default_factory=dict)
    reached: list[Reached] = field(default_factory=list)


NOTHING = Moved()


def on_order(
    uow: ChallengeWork,
    definition: ProgramDefinition,
    book: Book,
    order: Order,
    member: Mapping[str, Any],
    now: datetime,
    *,
    available_at: datetime,
) -> Moved:
    """``member``: the member's variables the order was judged with; ``available_at``:
    when a reward's points become available (the order's own pending days)."""
    running = [c for c in definition.challenges.values() if c.on_orders]
    if not running:
        return NOTHING
    earning = definition.earning
    local = order.placed_at.astimezone(earning.tz)
    act = activation(member=member, now=local, order=lambda: order_vars(order, earning.currency))
    adds: dict[str, tuple[str, Tally]] = {}
    shares = order.line_shares()  # once for every challenge
    for c in running:
        if not c.window.contains(local) or not _holds(c.who, act):
            continue
        tally = contribution(c, order, local, shares)
        if tally and _holds(c.when, act):
            adds[c.id] = (round_of(c, local), tally)
    if not adds:
        return NOTHING
    return _add(uow, definition, book, adds, now, available_at)


def on_activity(
    uow: ChallengeWork,
    definition: ProgramDefinition,
    book: Book,
    kind: str,
    payload: Mapping[str, Any],
    member: Mapping[str, Any],
    when: datetime,
    now: datetime,
) -> list[Reached]:
    """An activity of ``kind`` the member did at ``when``: what it adds, and the rounds it
    completed."""
    running = [c for c in definition.challenges.values() if c.activity == kind]
    if not running:
        return []
    earning = definition.earning
    local = when.astimezone(earning.tz)
    fields = earning.activity_types.get(kind, {})
    act = activation(member=member, now=local, activity=activity_vars(kind, payload, fields))
    adds = {
        c.id: (round_of(c, local), activity_counts(c, local))
        for c in running
        if c.window.contains(local) and _holds(c.who, act) and _holds(c.when, act)
    }
    if not adds:
        return []
    return _add(uow, definition, book, adds, now, now).reached


def on_refund(
    uow: ChallengeWork,
    definition: ProgramDefinition,
    book: Book,
    added: Added,
    remaining: Order,
    member: Mapping[str, Any],
    reason: str,
    now: datetime,
) -> Moved:
    """The order that added ``added`` is ``remaining`` after a refund (judged, as it was,
    on ``member`` and ``definition``, its own version): take back what it adds no more.
    What it still adds, and the rounds it undid."""
    if not added:
        return NOTHING
    earning = definition.earning
    local = remaining.placed_at.astimezone(earning.tz)
    act = activation(
        member=member, now=local, order=lambda: order_vars(remaining, earning.currency)
    )
    known = uow.challenges.progress(book.member.id, [(k, v[0]) for k, v in added.items()])
    still: Added = {}
    undone = []
    for cid, (round_, before) in added.items():
        c = definition.challenges.get(cid)
        after = contribution(c, remaining, local) if c and _holds(c.when, act) else {}
        was = known.get((cid, round_))
        if c is None or was is None:
            continue
        tally, kept = take_away(was.tally, before, after)
        if kept:
            still[cid] = [round_, kept]
        if kept == before:
            continue
        value = measure(c, tally)
        done_at, entry_id = was.done_at, was.entry_id
        if done_at is not None and value < c.goal and c.after_done is AfterDone.REVERSE:
            taken = rewards.take_back(uow, definition, book, c, was, reason, now)
            undone.append(Reached(cid, round_, taken, c.badge, undone=True, at=done_at))
            done_at = entry_id = None
        uow.challenges.save(
            book.program.id,
            book.member.id,
            Progress(challenge_id=cid, round=round_, tally=tally, value=value,
                     done_at=done_at, entry_id=entry_id, updated_at=now),
        )  # fmt: skip
    return Moved(still, undone)


def _add(
    uow: ChallengeWork,
    definition: ProgramDefinition,
    book: Book,
    adds: dict[str, tuple[str, Tally]],
    now: datetime,
    available_at: datetime,
) -> Moved:
    known = uow.challenges.progress(book.member.id, [(k, v[0]) for k, v in adds.items()])
    added: Added = {}
    reached = []
    for cid, (round_, more) in adds.items():
        c = definition.challenges[cid]
        was = known.get((cid, round_))
        if was is not None and was.done_at is not None and c.after_done is AfterDone.KEEP:
            continue  # done for good: nothing it adds can matter
        tally = add(was.tally if was else {}, more)
        value = measure(c, tally)
        done_at = was.done_at if was else None
        entry_id = was.entry_id if was else None
        if done_at is None and value >= c.goal:
            entry_id = rewards.give(uow, definition, book, c, round_, now, available_at)
            done_at = now
            reached.append(Reached(cid, round_, c.points, c.badge))
        uow.challenges.save(
            book.program.id,
            book.member.id,
            Progress(challenge_id=cid, round=round_, tally=tally, value=value,
                     done_at=done_at, entry_id=entry_id, updated_at=now),
        )  # fmt: skip
        added[cid] = [round_, more]
    return Moved(added, reached)


def _holds(condition: Condition | None, act: Mapping[str, Any]) -> bool:
    """A condition that failed to evaluate counts as false: nothing is added."""
    return condition is None or condition(act) is True

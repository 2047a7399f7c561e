"""A challenge's reward: its points and its badge, given when a round reaches its goal and
taken back when a refund undoes it (``after_done: reverse``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from jifen.domain import ledger
from jifen.domain.challenges import Challenge
from jifen.domain.definition import ProgramDefinition
from jifen.domain.ledger import EntryKind, LotSource
from jifen.services.challenges.ports import ChallengeWork, HeldBadge, Progress
from jifen.services.ledger import Book, Reverse, reverse_in


def give(
    uow: ChallengeWork,
    definition: ProgramDefinition,
    book: Book,
    challenge: Challenge,
    round_: str,
    now: datetime,
    available_at: datetime,
) -> int | None:
    """Credit the reward's points (a lot of their own) and give its badge; the entry's id
    (None: no points). ``book`` is left with the member as they then stand."""
    entry_id = None
    if challenge.points:
        earning = definition.earning
        posting = ledger.credit(
            ledger.Account(book.member, ()),
            challenge.points,
            kind=EntryKind.EARN,
            source=LotSource.CHALLENGE,
            now=now,
            available_at=max(available_at, now),
            expires_at=earning.expires_at(now, book.member.tier),
            rule_id=challenge.id,
            reference=f"challenge:{challenge.id}/{round_}",
            meta={"challenge": challenge.id, "round": round_},
            version=earning.version,
        )
        book.apply(uow, posting, now)
        entry_id = book.entry_ids[-1]
    badge = challenge.badge
    if badge is not None and badge not in book.member.badges:
        held = tuple(sorted({*book.member.badges, badge}))
        uow.challenges.give_badge(
            book.program.id,
            book.member.id,
            HeldBadge(badge=badge, challenge_id=challenge.id, round=round_, awarded_at=now),
            held,
        )
        book.member = replace(book.member, badges=held)
    return entry_id


def take_back(
    uow: ChallengeWork,
    definition: ProgramDefinition,
    book: Book,
    challenge: Challenge,
    was: Progress,
    reason: str,
    now: datetime,
) -> int:
    """Reverse what is left of the round's points and take its badge back, if this round
    gave it and no other round still done gives it (then the badge is that round's); the
    points taken. ``book`` is left with the member as they then stand."""
    taken = 0
    if was.entry_id is not None:
        original = uow.ledger.entry(book.program.id, was.entry_id)
        assert original is not None, was.entry_id
        left = original.amount - sum(r.amount for r in uow.ledger.reversals_of(was.entry_id))
        if left > 0:
            reverse_in(uow, book.program, Reverse(was.entry_id, left, reason, None), now)
            taken = left
    member = uow.members.lock_by_id(book.member.id)
    badge = challenge.badge
    if badge is not None and badge in member.badges:
        gave = next((b for b in uow.challenges.badges_of(member.id) if b.badge == badge), None)
        if gave is not None and (gave.challenge_id, gave.round) == (challenge.id, was.round):
            held = tuple(b for b in member.badges if b != badge)
            uow.challenges.take_badge(member.id, badge, held)
            other = _still_giving(uow, definition, member.id, badge, (challenge.id, was.round))
            if other is None:
                member = replace(member, badges=held)
            else:  # another round earns it still: the badge is now that round's
                again = HeldBadge(
                    badge=badge,
                    challenge_id=other.challenge_id,
                    round=other.round,
                    awarded_at=other.done_at or now,
                )
                uow.challenges.give_badge(book.program.id, member.id, again, member.badges)
    book.member = member
    return taken


def _still_giving(
    uow: ChallengeWork,
    definition: ProgramDefinition,
    member_id: int,
    badge: str,
    undone: tuple[str, str],
) -> Progress | None:
    """A round other than ``undone``, done, of a challenge that gives ``badge``."""
    for p in uow.challenges.of_member(member_id):
        c = definition.challenges.get(p.challenge_id)
        if (
            c is not None
            and c.badge == badge
            and p.done_at is not None
            and (p.challenge_id, p.round) != undone
        ):
            return p
    return None

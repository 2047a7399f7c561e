"""Challenge progress and badges, in SQL: a round is one row, written with the order or
activity that moved it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, update

from jifen.adapters.db.engine import upsert_insert
from jifen.adapters.db.tables import challenge_progress, member_badges, members
from jifen.services.challenges.ports import HeldBadge, Progress

P = challenge_progress.c
CHANGED = ("tally", "value", "done_at", "entry_id", "updated_at")
B = member_badges.c


def _progress(row: Any) -> Progress:
    return Progress(
        challenge_id=row.challenge_id,
        round=row.round,
        tally={str(k): int(v) for k, v in (row.tally or {}).items()},
        value=row.value,
        done_at=row.done_at,
        entry_id=row.entry_id,
        updated_at=row.updated_at,
    )


def progress_row(member_id: int, program_id: int, progress: Progress) -> dict[str, Any]:
    """A round as a row of ``challenge_progress``."""
    return {
        "member_id": member_id,
        "challenge_id": progress.challenge_id,
        "round": progress.round,
        "program_id": program_id,
        "tally": progress.tally,
        "value": progress.value,
        "done_at": progress.done_at,
        "entry_id": progress.entry_id,
        "updated_at": progress.updated_at,
    }


class SqlChallengeStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def progress(
        self, member_id: int, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], Progress]:
        if not keys:
            return {}
        rows = self.conn.execute(
            select(challenge_progress).where(
                P.member_id == member_id,
                or_(*(and_(P.challenge_id == c, P.round == r) for c, r in keys)),
            )
        )
        return {(row.challenge_id, row.round): _progress(row) for row in rows}

    def save(self, program_id: int, member_id: int, progress: Progress) -> None:
        values = progress_row(member_id, program_id, progress)
        row = upsert_insert(self.conn)(challenge_progress).values(values)
        changed = {k: v for k, v in values.items() if k in CHANGED}
        self.conn.execute(
            row.on_conflict_do_update(
                index_elements=[P.member_id, P.challenge_id, P.round], set_=changed
            )
        )

    def of_member(self, member_id: int) -> list[Progress]:
        rows = self.conn.execute(
            select(challenge_progress)
            .where(P.member_id == member_id)
            .order_by(P.updated_at.desc(), P.challenge_id)
        )
        return [_progress(row) for row in rows]

    def give_badge(
        self, program_id: int, member_id: int, held: HeldBadge, badges: tuple[str, ...]
    ) -> None:
        row = upsert_insert(self.conn)(member_badges).values(
            member_id=member_id,
            badge=held.badge,
            program_id=program_id,
            challenge_id=held.challenge_id,
            round=held.round,
            awarded_at=held.awarded_at,
        )
        self.conn.execute(row.on_conflict_do_nothing())
        self._keep(member_id, badges)

    def take_badge(self, member_id: int, badge: str, badges: tuple[str, ...]) -> None:
        self.conn.execute(delete(member_badges).where(B.member_id == member_id, B.badge == badge))
        self._keep(member_id, badges)

    def _keep(self, member_id: int, badges: tuple[str, ...]) -> None:
        self.conn.execute(
            update(members).where(members.c.id == member_id).values(badges=list(badges))
        )

    def badges_of(self, member_id: int) -> list[HeldBadge]:
        rows = self.conn.execute(
            select(member_badges)
            .where(B.member_id == member_id)
            .order_by(B.awarded_at.desc(), B.badge)
        )
        return [
            HeldBadge(
                badge=r.badge, challenge_id=r.challenge_id, round=r.round, awarded_at=r.awarded_at
            )
            for r in rows
        ]

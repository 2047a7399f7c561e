"""Task submissions: a member's proof of a moderated task, and the operator's review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select, update

from jifen.adapters.db.tables import members, task_submissions
from jifen.domain.engagement.tasks import Review
from jifen.services.engagement.ports import Submission

T = task_submissions.c


def _listed() -> Select[Any]:
    return select(task_submissions, members.c.external_id, members.c.display_name).join(
        members, members.c.id == T.member_id
    )


def _submission(r: Any) -> Submission:
    return Submission(
        id=r.id,
        member_id=r.member_id,
        external_id=r.external_id,
        display_name=r.display_name,
        task_id=r.task_id,
        reference=r.reference,
        status=Review(r.status),
        reason=r.reason,
        points=r.points,
        submitted_at=r.submitted_at,
        reviewed_at=r.reviewed_at,
        reviewed_by=r.reviewed_by,
    )


class SqlTaskSubmissions:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self, program_id: int, member_id: int, task_id: str, reference: str, now: datetime
    ) -> int:
        row = self.conn.execute(
            task_submissions.insert()
            .values(program_id=program_id, member_id=member_id, task_id=task_id,
                    reference=reference, status=Review.PENDING.value, submitted_at=now)
            .returning(T.id)
        )  # fmt: skip
        return int(row.scalar_one())

    def get(self, program_id: int, submission_id: int) -> Submission | None:
        row = self.conn.execute(
            _listed().where(T.program_id == program_id, T.id == submission_id)
        ).one_or_none()
        return None if row is None else _submission(row)

    def pending_of(self, member_id: int, task_id: str) -> Submission | None:
        row = self.conn.execute(
            _listed()
            .where(T.member_id == member_id, T.task_id == task_id,
                   T.status == Review.PENDING.value)
            .limit(1)
        ).one_or_none()  # fmt: skip
        return None if row is None else _submission(row)

    def review(
        self,
        submission_id: int,
        status: Review,
        reason: str | None,
        points: int,
        actor: str,
        now: datetime,
    ) -> bool:
        done = self.conn.execute(
            update(task_submissions)
            .where(T.id == submission_id, T.status == Review.PENDING.value)
            .values(status=status.value, reason=reason, points=points, reviewed_at=now,
                    reviewed_by=actor)
        )  # fmt: skip
        return done.rowcount == 1

    def queue(self, program_id: int, status: Review, limit: int) -> list[Submission]:
        order = T.submitted_at.asc() if status is Review.PENDING else T.reviewed_at.desc()
        rows = self.conn.execute(
            _listed()
            .where(T.program_id == program_id, T.status == status.value)
            .order_by(order, T.id)
            .limit(limit)
        )
        return [_submission(r) for r in rows]

    def latest_of(self, member_id: int) -> dict[str, Submission]:
        rows = self.conn.execute(
            _listed().where(T.member_id == member_id).order_by(T.submitted_at, T.id)
        )
        return {r.task_id: _submission(r) for r in rows}

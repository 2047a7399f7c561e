"""Checkpoints of the nightly pipeline: each step of a night, moved on with each chunk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db.tables import pipeline_runs
from jifen.services.nightly.ports import StepState

_INSERT: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class SqlPipelineRuns:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def begin(
        self, program_id: int, day: date, step: str, cutoff: datetime, now: datetime
    ) -> StepState:
        insert = _INSERT[self.conn.dialect.name](pipeline_runs)
        created = self.conn.execute(
            insert.values(
                program_id=program_id,
                day=day,
                step=step,
                cutoff=cutoff,
                cursor=0,
                counts={},
                started_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
            .returning(pipeline_runs.c.step)
        ).first()
        row = self.conn.execute(
            select(pipeline_runs)
            .where(
                pipeline_runs.c.program_id == program_id,
                pipeline_runs.c.day == day,
                pipeline_runs.c.step == step,
            )
            .with_for_update()
        ).one()
        return StepState(
            int(row.cursor), dict(row.counts), row.finished_at is not None, created is not None
        )

    def advance(
        self,
        program_id: int,
        day: date,
        step: str,
        cursor: int,
        counts: Mapping[str, int],
        now: datetime,
        *,
        finished: bool,
    ) -> None:
        self.conn.execute(
            update(pipeline_runs)
            .where(
                pipeline_runs.c.program_id == program_id,
                pipeline_runs.c.day == day,
                pipeline_runs.c.step == step,
            )
            .values(
                cursor=cursor,
                counts=dict(counts),
                updated_at=now,
                finished_at=now if finished else None,
            )
        )

    def of_day(self, program_id: int, day: date) -> dict[str, StepState]:
        result = self.conn.execute(
            select(pipeline_runs).where(
                pipeline_runs.c.program_id == program_id, pipeline_runs.c.day == day
            )
        )
        return {
            r.step: StepState(int(r.cursor), dict(r.counts), r.finished_at is not None)
            for r in result
        }

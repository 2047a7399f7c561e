"""Programmes: saved from their file, found by code or id."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from jifen.adapters.db import rows
from jifen.adapters.db.tables import programs
from jifen.domain.programs import Program


class SqlPrograms:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def by_code(self, code: str) -> Program | None:
        row = self.conn.execute(select(programs).where(programs.c.code == code)).one_or_none()
        return None if row is None else rows.program(row)

    def by_id(self, program_id: int) -> Program | None:
        row = self.conn.execute(select(programs).where(programs.c.id == program_id)).one_or_none()
        return None if row is None else rows.program(row)

    def all(self) -> list[Program]:
        return [
            rows.program(r) for r in self.conn.execute(select(programs).order_by(programs.c.id))
        ]

    def save(self, program: Program, now: datetime) -> Program:
        values = {
            "code": program.code,
            "name": program.name,
            "currency": program.currency,
            "point_value": str(program.point_value),
            "timezone": program.timezone,
            "policy": rows.policy_to_json(program.policy),
        }
        existing = self.by_code(program.code)
        if existing is None:
            new_id = self.conn.execute(
                insert(programs).values(**values, created_at=now).returning(programs.c.id)
            ).scalar_one()
            return replace(program, id=int(new_id))
        self.conn.execute(update(programs).where(programs.c.id == existing.id).values(**values))
        return replace(program, id=existing.id)

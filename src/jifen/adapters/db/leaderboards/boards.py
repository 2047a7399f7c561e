"""Leaderboards in SQL: a member's score is one row; the counts of scores (per score and
per block of scores) make a rank two short index ranges; a frozen period is a marker row
that only one freezing can insert."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select, update

from jifen.adapters.db.engine import upsert_insert
from jifen.adapters.db.tables import (
    leaderboard_counts,
    leaderboard_frozen,
    leaderboard_results,
    leaderboard_scores,
    members,
)
from jifen.domain.leaderboards import BLOCK, CountKey, Place, block_of, count_deltas
from jifen.services.leaderboards.ports import Result, ScoreChange, Standing

S, C, F, R = leaderboard_scores.c, leaderboard_counts.c, leaderboard_frozen.c, leaderboard_results.c


def _place(place: Place) -> list[Any]:
    board, period, scope = place
    return [S.board_id == board, S.period == period, S.scope_key == scope]


class SqlLeaderboards:
    """Count deltas wait (``pending``) until the transaction commits: the unit of work
    writes them last (``write_counts``), in one fixed order, so that no transaction holds
    a count row while it waits for a member, and any two take count rows in one order."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: dict[tuple[int, str, str, str, int, int], int] = {}

    def scores(
        self, program_id: int, member_id: int, places: Collection[Place]
    ) -> dict[Place, int]:
        if not places:
            return {}
        rows = self.conn.execute(
            select(S.board_id, S.period, S.scope_key, S.score).where(
                S.member_id == member_id,
                or_(*(and_(*_place(p)) for p in places)),
            )
        )
        return {(r.board_id, r.period, r.scope_key): int(r.score) for r in rows}

    def write(
        self, program_id: int, changes: Collection[ScoreChange], hidden: bool, now: datetime
    ) -> None:
        if not changes:
            return
        for c in sorted(changes, key=lambda c: (c.place, c.member_id)):
            self.put_score(program_id, c.member_id, c.place, c.new, hidden, now)
        if not hidden:
            for key, n in count_deltas((c.place, c.old, c.new) for c in changes).items():
                at = (program_id, *key)
                self.pending[at] = self.pending.get(at, 0) + n

    def write_counts(self) -> None:
        """The transaction's count deltas, summed, in one order: its last writes."""
        by_program: dict[int, dict[CountKey, int]] = {}
        for (program_id, *key), n in sorted(self.pending.items()):
            if n:
                by_program.setdefault(program_id, {})[tuple(key)] = n  # type: ignore[index]
        self.pending.clear()
        for program_id, deltas in by_program.items():
            self.add_counts(program_id, deltas)

    def put_score(
        self, program_id: int, member_id: int, place: Place, score: int, hidden: bool,
        now: datetime,
    ) -> None:  # fmt: skip
        """The member's score on the board (made, hidden or not, if it is new)."""
        board, period, scope = place
        row = upsert_insert(self.conn)(leaderboard_scores).values(
            member_id=member_id, board_id=board, period=period, scope_key=scope,
            program_id=program_id, score=score, hidden=hidden, updated_at=now,
        )  # fmt: skip
        self.conn.execute(
            row.on_conflict_do_update(
                index_elements=[S.member_id, S.board_id, S.period, S.scope_key],
                set_={"score": score, "updated_at": now},
            )
        )

    def add_counts(self, program_id: int, deltas: dict[CountKey, int]) -> None:
        insert = upsert_insert(self.conn)
        for (board, period, scope, level, key), n in deltas.items():
            row = insert(leaderboard_counts).values(
                program_id=program_id, board_id=board, period=period, scope_key=scope,
                level=level, key=key, n=n,
            )  # fmt: skip
            self.conn.execute(
                row.on_conflict_do_update(
                    index_elements=[
                        C.program_id,
                        C.board_id,
                        C.period,
                        C.scope_key,
                        C.level,
                        C.key,
                    ],
                    set_={"n": leaderboard_counts.c.n + row.excluded.n},
                )
            )

    def top(self, program_id: int, place: Place, size: int) -> list[Standing]:
        rows = self.conn.execute(
            select(S.member_id, S.score, members.c.external_id, members.c.display_name)
            .join(members, members.c.id == S.member_id)
            .where(S.program_id == program_id, *_place(place), S.hidden.is_(False))
            .order_by(S.score.desc(), S.member_id)
            .limit(size)
        ).all()
        standings: list[Standing] = []
        for i, r in enumerate(rows):
            tie = standings and standings[-1].score == r.score
            standings.append(
                Standing(
                    member_id=r.member_id,
                    external_id=r.external_id,
                    display_name=r.display_name,
                    score=int(r.score),
                    rank=standings[-1].rank if tie else i + 1,
                )
            )
        return standings

    def rank(self, program_id: int, place: Place, score: int) -> int:
        board, period, scope = place
        at = [C.program_id == program_id, C.board_id == board, C.period == period,
              C.scope_key == scope]  # fmt: skip
        block = block_of(score)
        blocks = select(func.coalesce(func.sum(C.n), 0)).where(*at, C.level == 1, C.key > block)
        inside = select(func.coalesce(func.sum(C.n), 0)).where(
            *at, C.level == 0, C.key > score, C.key < (block + 1) * BLOCK
        )
        above = self.conn.execute(
            select(blocks.scalar_subquery() + inside.scalar_subquery())
        ).scalar_one()
        return int(above) + 1

    def hide(self, program_id: int, member_id: int, hidden: bool) -> None:
        frozen = exists().where(
            F.program_id == S.program_id, F.board_id == S.board_id, F.period == S.period,
            F.scope_key == S.scope_key,
        )  # fmt: skip
        moving = self.conn.execute(
            select(S.board_id, S.period, S.scope_key, S.score).where(
                S.member_id == member_id,
                S.program_id == program_id,
                S.hidden.is_not(hidden),
                ~frozen,
            )
        ).all()
        if not moving:
            return
        for r in moving:
            self.conn.execute(
                update(leaderboard_scores)
                .where(S.member_id == member_id, *_place((r.board_id, r.period, r.scope_key)))
                .values(hidden=hidden)
            )
        changes = [
            ((r.board_id, r.period, r.scope_key), int(r.score), None)
            if hidden
            else ((r.board_id, r.period, r.scope_key), None, int(r.score))
            for r in moving
        ]
        self.add_counts(program_id, count_deltas(changes))

    def places_to_freeze(self, program_id: int, board_id: str, before: str) -> list[Place]:
        frozen = exists().where(
            F.program_id == S.program_id, F.board_id == S.board_id, F.period == S.period,
            F.scope_key == S.scope_key,
        )  # fmt: skip
        rows = self.conn.execute(
            select(S.period, S.scope_key)
            .where(S.program_id == program_id, S.board_id == board_id, S.period < before, ~frozen)
            .distinct()
            .order_by(S.period, S.scope_key)
        )
        return [(board_id, r.period, r.scope_key) for r in rows]

    def claim_freeze(self, program_id: int, place: Place, now: datetime) -> bool:
        board, period, scope = place
        row = upsert_insert(self.conn)(leaderboard_frozen).values(
            program_id=program_id, board_id=board, period=period, scope_key=scope, frozen_at=now
        )
        done = self.conn.execute(row.on_conflict_do_nothing().returning(F.board_id))
        return done.first() is not None

    def record_results(self, program_id: int, place: Place, results: Collection[Result]) -> None:
        board, period, scope = place
        for r in results:
            self.conn.execute(
                leaderboard_results.insert().values(
                    program_id=program_id,
                    board_id=board,
                    period=period,
                    scope_key=scope,
                    member_id=r.member_id,
                    rank=r.rank,
                    score=r.score,
                    prize=r.prize,
                    entry_id=r.entry_id,
                )
            )

    def results(self, program_id: int, place: Place) -> list[Result]:
        board, period, scope = place
        rows = self.conn.execute(
            select(R.member_id, R.rank, R.score, R.prize, R.entry_id, members.c.external_id,
                   members.c.display_name)
            .join(members, members.c.id == R.member_id)
            .where(R.program_id == program_id, R.board_id == board, R.period == period,
                   R.scope_key == scope)
            .order_by(R.rank, R.member_id)
        )  # fmt: skip
        return [
            Result(
                rank=int(r.rank),
                member_id=r.member_id,
                external_id=r.external_id,
                display_name=r.display_name,
                score=int(r.score),
                prize=int(r.prize),
                entry_id=r.entry_id,
            )
            for r in rows
        ]

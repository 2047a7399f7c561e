"""Leaderboards: a member's new score and the counts it moves are kept with the batch's
other writes (written in its one statement) and read back from them, so scoring never
writes the batch early; the rest passes through."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from jifen.domain.leaderboards import Place, count_deltas
from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.through import Through
from jifen.services.leaderboards.ports import LeaderboardStore, Result, ScoreChange, Standing


class BatchLeaderboards(Through[LeaderboardStore]):
    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.leaderboards)

    def scores(
        self, program_id: int, member_id: int, places: Collection[Place]
    ) -> dict[Place, int]:
        kept, batch = self.batch.kept.scores, self.batch
        found = {p: kept[(member_id, *p)][1] for p in places if (member_id, *p) in kept}
        for p in places:  # read with the batch's start: a known place not found has none
            at = (member_id, *p)
            if p not in found and at[:3] in batch.scores_known and at in batch.scores:
                found[p] = batch.scores[at]
        rest = [
            p for p in places if p not in found and (member_id, *p[:2]) not in batch.scores_known
        ]
        if rest:  # what the batch wrote already is in the database: no flush needed
            found |= self.db.scores(program_id, member_id, rest)
        return found

    def write(
        self, program_id: int, changes: Collection[ScoreChange], hidden: bool, now: datetime
    ) -> None:
        kept = self.batch.kept
        for c in changes:
            kept.scores[(c.member_id, *c.place)] = (program_id, c.new, hidden, now)
            if (c.member_id, *c.place[:2]) in self.batch.scores_known:  # stale now
                self.batch.scores[(c.member_id, *c.place)] = c.new
        if not hidden:
            for key, n in count_deltas((c.place, c.old, c.new) for c in changes).items():
                at = (program_id, *key)
                kept.counts[at] = kept.counts.get(at, 0) + n

    # -- passing through ------------------------------------------------------------

    def top(self, program_id: int, place: Place, size: int) -> list[Standing]:
        return self.written().top(program_id, place, size)

    def rank(self, program_id: int, place: Place, score: int) -> int:
        return self.written().rank(program_id, place, score)

    def hide(self, program_id: int, member_id: int, hidden: bool) -> None:
        self.written().hide(program_id, member_id, hidden)

    def places_to_freeze(self, program_id: int, board_id: str, before: str) -> list[Place]:
        return self.written().places_to_freeze(program_id, board_id, before)

    def claim_freeze(self, program_id: int, place: Place, now: datetime) -> bool:
        return self.written().claim_freeze(program_id, place, now)

    def record_results(self, program_id: int, place: Place, results: Collection[Result]) -> None:
        self.written().record_results(program_id, place, results)

    def results(self, program_id: int, place: Place) -> list[Result]:
        return self.written().results(program_id, place)

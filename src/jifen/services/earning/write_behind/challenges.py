"""Challenges: a round's progress is kept with the batch's other writes (written in its one
statement) and read back from them, so moving a challenge never writes the batch early;
the rest passes through. A badge given or taken is kept on the batch's member too, so that
the batch's next order reads ``member.badges`` as it now stands."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from jifen.services.challenges.ports import ChallengeStore, HeldBadge, Progress
from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.through import Through


class BatchChallenges(Through[ChallengeStore]):
    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.challenges)

    def progress(
        self, member_id: int, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], Progress]:
        kept, batch = self.batch.kept.progress, self.batch
        found = {k: kept[(member_id, *k)][1] for k in keys if (member_id, *k) in kept}
        for k in keys:  # read with the batch's start: a known key not found has none
            at = (member_id, *k)
            if k not in found and at in batch.progress_known and at in batch.progress:
                found[k] = batch.progress[at]
        rest = [k for k in keys if k not in found and (member_id, *k) not in batch.progress_known]
        if rest:  # what the batch wrote already is in the database: no flush needed
            found |= self.db.progress(member_id, rest)
        return found

    def save(self, program_id: int, member_id: int, progress: Progress) -> None:
        key = (member_id, progress.challenge_id, progress.round)
        self.batch.kept.progress[key] = (program_id, progress)
        if key in self.batch.progress_known:  # what was read first is stale now
            self.batch.progress[key] = progress

    def of_member(self, member_id: int) -> list[Progress]:
        return self.written().of_member(member_id)

    def give_badge(
        self, program_id: int, member_id: int, held: HeldBadge, badges: tuple[str, ...]
    ) -> None:
        # no kept write is read or needed here: writing it early would take the count
        # rows' locks before a later order's member locks
        self.db.give_badge(program_id, member_id, held, badges)
        self.batch.change_member(member_id, lambda m: replace(m, badges=badges))

    def take_badge(self, member_id: int, badge: str, badges: tuple[str, ...]) -> None:
        self.db.take_badge(member_id, badge, badges)
        self.batch.change_member(member_id, lambda m: replace(m, badges=badges))

    def badges_of(self, member_id: int) -> list[HeldBadge]:
        return self.written().badges_of(member_id)

"""The batch: what it read beforehand, what it keeps, and ``flush``.

Every wrapped repository of a :class:`~.WriteBehind` shares one ``Batch``:
the members it locked (as the batch's own writes have changed them), the
idempotency keys it claimed and what they now hold, its members' rule usage,
months of activity and first orders of the week, the programme's current version, the entry ids it
reserved, and :class:`~.kept.Kept`, the writes not yet written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from jifen.domain.earning import Usage
from jifen.domain.members import Member
from jifen.domain.tiers import Stats
from jifen.services.challenges.ports import Progress
from jifen.services.earning.ports import EarningWork, Span
from jifen.services.earning.write_behind.kept import Kept

ENTRY_IDS = 256  # the most reserved at a time


class Batch:
    """``inner``: the open unit of work it writes to; ``program_id``: the batch's one programme."""

    def __init__(self, inner: EarningWork, program_id: int) -> None:
        self.inner = inner
        self.program_id = program_id
        self.kept = Kept()
        self.by_external: dict[str, Member] = {}
        self.by_id: dict[int, Member] = {}
        self.claimed: dict[str, str] = {}  # key -> fingerprint, claimed for the batch
        self.answered: dict[str, dict[str, Any]] = {}  # what each claimed key now holds
        self.usage: dict[tuple[int, str, str], Usage] = {}
        self.usage_known: set[tuple[int, str, str]] = set()
        self.months: dict[int, dict[int, Stats]] = {}
        #: the first order of each (member, week) span read beforehand, kept up to date
        self.firsts: dict[int, dict[Span, tuple[datetime, str] | None]] = {}
        self.progress_known: set[tuple[int, str, str]] = set()
        self.progress: dict[tuple[int, str, str], Progress] = {}
        self.scores_known: set[tuple[int, str, str]] = set()
        self.scores: dict[tuple[int, str, str, str], int] = {}
        self.version: int | None = None
        self._ids: list[int] = []
        self._reserve = ENTRY_IDS
        #: more than one order to record: each may take from a campaign's budget
        self.many = True

    def expect_entries(self, count: int) -> None:
        """About how many entries the batch will write (one an order it records): ids
        are reserved that many at a time, so a small batch does not reserve hundreds."""
        self._reserve = max(1, min(count, ENTRY_IDS))
        self.many = count > 1

    # -- what the batch read beforehand ------------------------------------------------

    def know_members(self, found: Mapping[str, Member]) -> None:
        """Members this transaction has locked (``members.lock_many``)."""
        for member in found.values():
            self.remember(member)

    def know_keys(self, claimed: Mapping[str, str]) -> None:
        """Idempotency keys this transaction has claimed (key -> fingerprint)."""
        self.claimed.update(claimed)

    def know_usage(
        self,
        keys: Collection[tuple[int, str, str]],
        found: Mapping[tuple[int, str, str], Usage],
    ) -> None:
        """Usage read for ``keys`` (member, rule, period); a key not in ``found`` is unused."""
        self.usage_known.update(keys)
        self.usage.update(found)

    def know_firsts(self, found: Mapping[Span, tuple[datetime, str] | None]) -> None:
        """The first order of each (member, start, end) span (None: none yet), to decide
        here which of the batch's orders is the first of its week."""
        for span, first in found.items():
            self.firsts.setdefault(span[0], {})[span] = first

    def know_months(self, found: Mapping[int, dict[int, Stats]]) -> None:
        """Each member's activity month by month, to sum their tier windows here."""
        self.months.update(found)

    def know_progress(
        self,
        keys: Collection[tuple[int, str, str]],
        found: Mapping[tuple[int, str, str], Progress],
    ) -> None:
        """Rounds read for ``keys`` (member, challenge, round); one not in ``found`` has
        no progress yet."""
        self.progress_known.update(keys)
        self.progress.update({k: v for k, v in found.items() if k in self.progress_known})

    def know_scores(
        self,
        keys: Collection[tuple[int, str, str]],
        found: Mapping[tuple[int, str, str, str], int],
    ) -> None:
        """Scores read for ``keys`` (member, board, period), every place of each; a place
        not in ``found`` has no score yet."""
        self.scores_known.update(keys)
        self.scores.update({k: v for k, v in found.items() if k[:3] in self.scores_known})

    def know_entry_ids(self, ids: Collection[int]) -> None:
        """Entry ids the ledger reserved for this batch, handed out before any other."""
        self._ids.extend(sorted(ids))

    # -- writing ---------------------------------------------------------------------

    def flush(self, *, counts: bool = True) -> None:
        """Write everything kept, a table at a time, in an order the foreign keys allow;
        without ``counts``, the leaderboards' count deltas stay kept for a later flush (the
        batch's last), so that its count rows are locked last, in one order."""
        kept, self.kept = self.kept, Kept()
        if not counts:
            self.kept.counts, kept.counts = kept.counts, {}
        self._ids = []  # SQLite reserves max(id) + 1...: never across another writer
        if kept:
            kept.write(self.inner, self.program_id)

    def next_entry_id(self) -> int:
        """An id the ledger reserved for an entry this batch keeps."""
        if not self._ids:
            self._ids = self.inner.ledger.next_entry_ids(self._reserve)
        return self._ids.pop(0)

    # -- the members it knows -------------------------------------------------------------

    def remember(self, member: Member) -> None:
        self.by_external[member.external_id] = member
        self.by_id[member.id] = member

    def change_member(self, member_id: int, change: Callable[[Member], Member]) -> None:
        """Apply a kept write to the member as the batch knows it (if it does)."""
        member = self.by_id.get(member_id)
        if member is not None:
            self.remember(change(member))

    def forget_member(self, member_id: int) -> None:
        """The database changed the member: read it again next time."""
        member = self.by_id.pop(member_id, None)
        if member is not None:
            self.by_external.pop(member.external_id, None)

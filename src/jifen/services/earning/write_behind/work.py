"""``WriteBehind``: the batch as a unit of work that ``record_order_in`` runs on."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Self

from jifen.services.challenges.ports import ChallengeStore
from jifen.services.earning.ports import EarningStore, EarningWork
from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.challenges import BatchChallenges
from jifen.services.earning.write_behind.earning import BatchEarning
from jifen.services.earning.write_behind.kept import Kept
from jifen.services.earning.write_behind.leaderboards import BatchLeaderboards
from jifen.services.earning.write_behind.ledger import BatchLedger, BatchVerifier
from jifen.services.earning.write_behind.members import BatchMembers
from jifen.services.earning.write_behind.programmes import BatchPrograms, BatchVersions
from jifen.services.earning.write_behind.records import (
    BatchAudit,
    BatchKeys,
    BatchOutbox,
    BatchOutboxRelay,
)
from jifen.services.earning.write_behind.tiers import BatchTiers
from jifen.services.leaderboards.ports import LeaderboardStore
from jifen.services.ledger.ports import Ledger, Verifier
from jifen.services.ports import (
    AuditLog,
    IdempotencyKeys,
    Members,
    Outbox,
    OutboxRelay,
    Programs,
    ProgramVersions,
)
from jifen.services.tiers.ports import TierStore


class WriteBehind(Batch):
    """An :class:`~jifen.services.earning.ports.EarningWork` over an open one (``uow``),
    for one programme's batch (``program_id``); see the package's docstring.

    Entering and leaving it does nothing: the wrapped unit of work owns the
    transaction. ``commit`` flushes first; ``rollback`` drops what is kept.
    """

    members: Members
    ledger: Ledger
    idempotency: IdempotencyKeys
    outbox: Outbox
    outbox_relay: OutboxRelay
    audit: AuditLog
    programs: Programs
    versions: ProgramVersions
    verifier: Verifier
    tiers: TierStore
    earning: EarningStore
    challenges: ChallengeStore
    leaderboards: LeaderboardStore

    def __init__(self, uow: EarningWork, program_id: int) -> None:
        super().__init__(uow, program_id)
        self.members = BatchMembers(self)
        self.ledger = BatchLedger(self)
        self.idempotency = BatchKeys(self)
        self.outbox = BatchOutbox(self)
        self.outbox_relay = BatchOutboxRelay(self)
        self.audit = BatchAudit(self)
        self.programs = BatchPrograms(self)
        self.versions = BatchVersions(self)
        self.verifier = BatchVerifier(self)
        self.tiers = BatchTiers(self)
        self.earning = BatchEarning(self)
        self.challenges = BatchChallenges(self)
        self.leaderboards = BatchLeaderboards(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.flush()
        self.inner.commit()

    def commit_with(self, write: Callable[[], None]) -> None:
        def both() -> None:
            self.flush()
            write()

        self.inner.commit_with(both)

    def rollback(self) -> None:
        self.kept = Kept()
        self.inner.rollback()

    def savepoint(self) -> AbstractContextManager[None]:
        raise NotImplementedError("a write-behind batch fails whole: no savepoints")

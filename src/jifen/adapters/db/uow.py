"""The unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from jifen.adapters.db import begin
from jifen.adapters.db.access import SqlAccess, SqlApiKeys, SqlDoors, SqlOperators
from jifen.adapters.db.audit import SqlAuditLog
from jifen.adapters.db.challenges import SqlChallengeStore
from jifen.adapters.db.earning import SqlEarningStore
from jifen.adapters.db.engagement.consents import SqlConsents
from jifen.adapters.db.engagement.inbound_sources import SqlInboundSources
from jifen.adapters.db.engagement.referral_reports import SqlReferralReports
from jifen.adapters.db.engagement.task_submissions import SqlTaskSubmissions
from jifen.adapters.db.engine import is_postgres
from jifen.adapters.db.guards import raised
from jifen.adapters.db.idempotency import SqlIdempotencyKeys
from jifen.adapters.db.imports import SqlImports
from jifen.adapters.db.leaderboards import SqlLeaderboards
from jifen.adapters.db.ledger import SqlLedger, SqlVerifier, chain
from jifen.adapters.db.members import SqlMembers
from jifen.adapters.db.nightly import SqlNightly, SqlPipelineRuns
from jifen.adapters.db.outbox import SqlOutbox, SqlOutboxRelay
from jifen.adapters.db.programs import SqlPrograms, SqlProgramVersions
from jifen.adapters.db.redemption import SqlDonations, SqlDraws, SqlRedemptions
from jifen.adapters.db.reporting import SqlReports
from jifen.adapters.db.rights import SqlRights
from jifen.adapters.db.tiers import SqlTiers
from jifen.domain.errors import LedgerConflict, LedgerInconsistent, Unavailable
from jifen.services.access.ports import Access, ApiKeys, Doors, Operators
from jifen.services.challenges.ports import ChallengeStore
from jifen.services.earning.ports import EarningStore
from jifen.services.engagement.ports import (
    Consents,
    InboundSources,
    ReferralReports,
    TaskSubmissions,
)
from jifen.services.imports.ports import Imports
from jifen.services.leaderboards.ports import LeaderboardStore
from jifen.services.ledger.ports import Ledger, Verifier
from jifen.services.nightly.ports import Nightly, PipelineRuns
from jifen.services.ports import (
    AuditLog,
    IdempotencyKeys,
    Members,
    Outbox,
    OutboxRelay,
    Programs,
    ProgramVersions,
)
from jifen.services.redemption.ports import Donations, Draws, Redemptions
from jifen.services.reporting.ports import Reports
from jifen.services.rights.ports import Rights
from jifen.services.tiers.ports import TierStore

log = logging.getLogger("jifen.ledger")
LOST_STATES = ("08", "53", "57")


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()``: leaving without commit rolls back.

    Implements :class:`jifen.services.unit_of_work.UnitOfWork`: every area's repositories.
    """

    members: Members
    ledger: Ledger
    idempotency: IdempotencyKeys
    outbox: Outbox
    audit: AuditLog
    apikeys: ApiKeys
    programs: Programs
    versions: ProgramVersions
    earning: EarningStore
    verifier: Verifier
    imports: Imports
    tiers: TierStore
    nightly: Nightly
    pipeline_runs: PipelineRuns
    outbox_relay: OutboxRelay
    redemptions: Redemptions
    draws: Draws
    donations: Donations
    access: Access
    operators: Operators
    doors: Doors
    reports: Reports
    consents: Consents
    referral_reports: ReferralReports
    inbound_sources: InboundSources
    task_submissions: TaskSubmissions
    rights: Rights
    challenges: ChallengeStore
    leaderboards: LeaderboardStore

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self.engine = engine
        self.write = write
        self._conn: Connection | None = None
        self._options: dict[str, object] = {"jifen_write": write}
        if not write and is_postgres(engine):
            # A read on PostgreSQL sends its statements alone: no BEGIN and no ROLLBACK
            # round trip. At READ COMMITTED every statement reads its own snapshot in a
            # transaction too, so a read sees nothing different; ``engine`` refuses any
            # write or lock on such a connection (it would commit at once).
            self._options["isolation_level"] = "AUTOCOMMIT"

    def __enter__(self) -> Self:
        try:
            conn = self.engine.connect().execution_options(**self._options)
            conn.begin()
        except OperationalError as exc:  # refused, timed out, shutting down: said as a 503
            raise _unavailable(exc) from exc
        self._conn = conn
        self.members = SqlMembers(conn)
        self.ledger = SqlLedger(conn)
        self.idempotency = SqlIdempotencyKeys(conn)
        self.outbox = SqlOutbox(conn)
        self.audit = SqlAuditLog(conn)
        self.apikeys = SqlApiKeys(conn)
        self.programs = SqlPrograms(conn)
        self.versions = SqlProgramVersions(conn)
        self.earning = SqlEarningStore(conn)
        self.verifier = SqlVerifier(conn)
        self.imports = SqlImports(conn)
        self.tiers = SqlTiers(conn)
        self.nightly = SqlNightly(conn)
        self.pipeline_runs = SqlPipelineRuns(conn)
        self.outbox_relay = SqlOutboxRelay(conn)
        self.redemptions = SqlRedemptions(conn)
        self.draws = SqlDraws(conn)
        self.donations = SqlDonations(conn)
        self.access = SqlAccess(conn)
        self.operators = SqlOperators(conn)
        self.doors = SqlDoors(conn)
        self.reports = SqlReports(conn)
        self.rights = SqlRights(conn)
        self.consents = SqlConsents(conn)
        self.referral_reports = SqlReferralReports(conn)
        self.inbound_sources = SqlInboundSources(conn)
        self.task_submissions = SqlTaskSubmissions(conn)
        self.challenges = SqlChallengeStore(conn)
        self._boards = SqlLeaderboards(conn)  # its count deltas are written at commit
        self.leaderboards = self._boards
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        _alert(exc)
        lost = _lost(exc)
        try:
            # also clears what a failed COMMIT leaves (an inactive, invalid transaction):
            # no-op when nothing began
            conn.rollback()
            begin.ended(conn)
        except DBAPIError as failed:
            # a connection lost before its rollback: the server has rolled back, and what
            # the work read or committed stands (SQLAlchemy has invalidated the connection)
            if lost is None and _lost(failed) is None:
                raise
        finally:
            conn.close()
        if lost is not None:
            raise _unavailable(lost) from lost
        clash = _clash(exc)
        if clash is not None:
            raise LedgerConflict(CLASH) from clash

    def commit(self) -> None:
        assert self._conn is not None, "commit outside 'with uow'"
        self._boards.write_counts()  # last: see SqlLeaderboards
        self._conn.commit()
        begin.ended(self._conn)

    def commit_with(self, write: Callable[[], None]) -> None:
        conn = self._conn
        assert conn is not None, "commit outside 'with uow'"
        self._boards.write_counts()  # a batch's own go in its write
        if not is_postgres(self.engine):
            write()
            conn.commit()
            return
        # psycopg sends each statement at once and reads the answers at the end of the
        # block, COMMIT's among them: one round trip (``conn.commit()`` in the block would
        # cost a second, for the block's own end). A statement that fails aborts the rest,
        # COMMIT included, and raises at the end of the block; a guard that fails in the
        # database (``jifen_require``) is one of those.
        pg: Any = conn.connection.driver_connection
        try:
            with pg.pipeline():
                write()
                pg.execute("COMMIT")
        except (DBAPIError, psycopg.Error) as exc:
            raise raised(exc, broken=pg.broken) from exc
        conn.commit()  # the transaction is over: SQLAlchemy's books; psycopg sends nothing
        begin.ended(conn)

    def rollback(self) -> None:
        assert self._conn is not None, "rollback outside 'with uow'"
        self._boards.pending.clear()
        self._conn.rollback()
        begin.ended(self._conn)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """SAVEPOINT ... RELEASE; an exception rolls back to the savepoint and propagates."""
        assert self._conn is not None, "savepoint outside 'with uow'"
        if self._conn.invalidated:  # lost earlier in this transaction: nothing to save
            raise Unavailable("the database cannot be reached; retry shortly")
        try:
            nested = self._conn.begin_nested()
        except DBAPIError as exc:
            lost = _lost(exc)
            if lost is None:
                raise
            raise _unavailable(lost) from exc
        counts = dict(self._boards.pending)
        try:
            yield
        except BaseException as exc:
            chain.forget(self._conn)  # heads learnt inside were rolled back with it
            self._boards.pending.clear()  # and the count deltas of its scores
            self._boards.pending.update(counts)
            if isinstance(exc, LedgerInconsistent):  # a batch may go on without this row
                _alert(exc)
            if isinstance(exc, Exception):
                lost = _lost(exc)
                if lost is not None:  # no savepoint to go back to: the transaction is gone
                    raise _unavailable(lost) from exc
                nested.rollback()
            # else Ctrl-C or an exit, maybe inside a statement the connection still holds:
            # the whole transaction is abandoned (``__exit__``), and a ROLLBACK TO
            # SAVEPOINT would fail and put its error in the interruption's place
            raise
        else:
            nested.commit()


#: a deadlock (40P01) or a serialization failure (40001): PostgreSQL chose this
#: transaction to undo so that another could go on; the same request again succeeds
CLASH_STATES = ("40",)
CLASH = "another operation on the same members went first; retry"


def _clash(exc: BaseException | None) -> DBAPIError | None:
    """``exc`` if the database undid the transaction for another's sake (SQLSTATE class 40)."""
    if not isinstance(exc, DBAPIError):
        return None
    state = getattr(exc.orig, "sqlstate", None) or ""
    return exc if state[:2] in CLASH_STATES else None


def _lost(exc: BaseException | None) -> DBAPIError | None:
    """``exc`` if it says the database cannot be reached: the connection was lost (SQLAlchemy
    has then invalidated it, and the pool replaces it on the next checkout), or PostgreSQL
    refused for a while (SQLSTATE class 08 connection, 53 resources, 57 shutting down)."""
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return exc
    state = getattr(exc.orig, "sqlstate", "")  # psycopg: None when the link itself failed
    if isinstance(exc, OperationalError) and (state is None or state[:2] in LOST_STATES):
        return exc
    return None


def _unavailable(exc: DBAPIError) -> Unavailable:
    first_line = (str(exc.orig).strip().splitlines() or [""])[0]
    log.warning("database unavailable: %s", first_line)
    return Unavailable("the database cannot be reached; retry shortly")


def _alert(exc: BaseException | None) -> None:
    """A ledger that disagrees with itself is the operator's to hear of at once, whichever
    entrypoint met it: the transaction rolls back, and this logs an error to alert on."""
    if isinstance(exc, LedgerInconsistent) and not exc.alerted:
        exc.alerted = True  # a savepoint's alert is not repeated by the transaction's
        log.error("ledger inconsistent, rolled back: %s %s", exc, exc.params)

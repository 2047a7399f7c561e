"""The one place that wires adapters into services."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from pydantic import ValidationError
from sqlalchemy import Engine

from jifen.adapters.anchorfiles import read_anchor_file, write_anchor_file
from jifen.adapters.balancefiles import BalanceFile
from jifen.adapters.db import SqlUnitOfWork, create_engine_for
from jifen.adapters.db.ledger.async_reads import PgAsyncReads
from jifen.adapters.db.nightly import job_locks_for
from jifen.adapters.orderfiles import OrderFile, RejectsFile
from jifen.adapters.passwords import Argon2Passwords
from jifen.adapters.programfile import compile_program, load_program_file, read_program_definition
from jifen.adapters.programfile.editing import YamlProgramEditor
from jifen.adapters.publishing import LoggingPublisher
from jifen.config import Settings, refusal
from jifen.domain.definition import ProgramDefinition
from jifen.domain.programs import Program
from jifen.services import ledger
from jifen.services.access.ports import Passwords
from jifen.services.earning.group_commit import OrderGroups
from jifen.services.imports import MAX_LANES
from jifen.services.ledger.ports import AsyncLedgerReads
from jifen.services.nightly.ports import JobLocks
from jifen.services.ports import Chance, Clock, Compiler, Publisher
from jifen.services.programs.ports import ProgramEditor
from jifen.services.rulebooks import Rulebooks
from jifen.services.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "adapters" / "db" / "migrations"


def check_and_compile(source: str, name: str, version: int) -> ProgramDefinition:
    """A draft programme: validated, its conditions type-checked, compiled."""
    return compile_program(source, name, version, check_types=True)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SecretChance:
    """Lottery numbers from the operating system's cryptographic source."""

    def below(self, n: int) -> int:
        return secrets.randbelow(n)


@dataclass
class Jifen:
    """Everything an entrypoint needs: settings, a clock, units of work."""

    settings: Settings
    engine: Engine
    clock: Clock
    #: a draft's text, validated, its conditions type-checked, and compiled: what
    #: validating, publishing and previewing use
    compile: Compiler = field(default_factory=lambda: check_and_compile)
    rulebooks: Rulebooks = field(init=False)
    publisher: Publisher = field(default_factory=LoggingPublisher)
    chance: Chance = field(default_factory=SecretChance)
    editor: ProgramEditor = field(default_factory=YamlProgramEditor)
    passwords: Passwords = field(default_factory=Argon2Passwords)
    locks: JobLocks = field(init=False)
    #: ``POST /v1/orders``: the orders this process receives together, committed together
    orders: OrderGroups = field(init=False)

    def __post_init__(self) -> None:
        # published versions are compiled without the type check: a version published
        # before the checker keeps earning (ADR 0020)
        self.rulebooks = Rulebooks(compile_program)
        self.locks = job_locks_for(self.engine)
        self.orders = OrderGroups(self.uow, self.clock, self.rulebooks, skew=self.clock_skew)

    @property
    def lanes(self) -> int:
        """Lanes for the nightly pipeline: SQLite has one writer, so one lane there."""
        return self.settings.pipeline_lanes if self.engine.dialect.name == "postgresql" else 1

    @property
    def import_lanes(self) -> int:
        """Lanes for ``jifen import``: a process per core on PostgreSQL, one on SQLite."""
        if self.engine.dialect.name != "postgresql":
            return 1
        return max(1, min(os.cpu_count() or 1, MAX_LANES))

    @property
    def clock_skew(self) -> timedelta:
        """How far ahead of ours an outside clock may run (``clock_skew_seconds``)."""
        return timedelta(seconds=self.settings.clock_skew_seconds)

    def uow(self, *, write: bool = True) -> UnitOfWork:
        return SqlUnitOfWork(self.engine, write=write)

    def async_reads(self) -> AsyncLedgerReads | None:
        """A new reader of balances and history for an event loop, not yet open (ADR
        0025); None on SQLite, whose reads are in-process and run on the thread pool."""
        if self.engine.dialect.name != "postgresql":
            return None
        return PgAsyncReads(
            self.engine.url.render_as_string(hide_password=False),
            max_size=self.settings.db_pool_size,
            connect_timeout=self.settings.db_connect_timeout,
        )

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection_url"] = self.engine.url.render_as_string(hide_password=False)
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def load_program_file(self, path: str | Path) -> Program:
        """The programme part of a file (what the ledger needs)."""
        return load_program_file(path)

    def read_program_definition(self, path: str | Path) -> ProgramDefinition:
        """A programme file, validated, type-checked and compiled (rules included)."""
        return read_program_definition(path, check_types=True)

    def order_file(self, path: str | Path, fmt: str | None = None) -> OrderFile:
        """An order file to import (JSON Lines or CSV), read as a stream."""
        return OrderFile(path, fmt)

    def balance_file(self, path: str | Path, fmt: str | None = None) -> BalanceFile:
        """A file of opening balances to import (JSON Lines or CSV), read as a stream."""
        return BalanceFile(path, fmt)

    def rejects_file(
        self, path: str | Path, *, append: bool = False, subject: str = "order_id"
    ) -> RejectsFile:
        return RejectsFile(path, append=append, subject=subject)

    def read_anchor(self, path: str | Path) -> str:
        """An anchor file's text (``anchor_unreadable`` if it cannot be read)."""
        return read_anchor_file(Path(path))

    def write_anchor(self, path: str | Path) -> Path:
        """An anchor of the chain heads as they stand, written atomically (a directory: a
        new timestamped file in it); returns the file written."""
        return write_anchor_file(Path(path), ledger.anchor(self.uow, self.clock))

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Jifen:
    if settings is None:
        try:
            settings = Settings()
        except ValidationError as exc:
            raise SystemExit(refusal(exc)) from None
    engine = create_engine_for(
        settings.database_url,
        pool_size=settings.db_pool_size,
        connect_timeout=settings.db_connect_timeout,
    )
    return Jifen(settings=settings, engine=engine, clock=clock or SystemClock())

"""The ports the services need; ``adapters`` implement them, tests may fake them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from jifen.domain.ledger import Entry, Hold, Lot, Posting
from jifen.domain.members import Member
from jifen.domain.programs import Program


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class NewMember:
    external_id: str
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    attributes: dict[str, Any] | None = None


class Members(Protocol):
    def add(self, program_id: int, new: NewMember, now: datetime) -> Member: ...
    def get(self, program_id: int, external_id: str) -> Member | None: ...
    def lock(self, program_id: int, external_id: str) -> Member | None: ...
    def lock_by_id(self, member_id: int) -> Member: ...
    def update(self, member_id: int, changes: dict[str, Any], now: datetime) -> Member: ...


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_cursor: int | None


class Ledger(Protocol):
    def open_lots(self, member_id: int) -> list[Lot]: ...
    def apply(
        self,
        program_id: int,
        posting: Posting,
        now: datetime,
    ) -> tuple[int, int | None]:
        """Apply atomically; return the new entry's id and a new hold's id."""

    def entry(self, program_id: int, entry_id: int) -> Entry | None: ...
    def reversals_of(self, entry_id: int) -> list[Entry]: ...
    def lot_of(self, entry_id: int) -> Lot | None: ...
    def expired_from(self, lot_id: int) -> int: ...
    def net_drawn(
        self,
        *,
        entry_id: int | None = None,
        hold_id: int | None = None,
    ) -> list[tuple[Lot, int]]: ...
    def hold(self, program_id: int, hold_id: int) -> Hold | None: ...
    def due_holds(
        self, program_id: int, now: datetime, limit: int, *, member_id: int | None = None
    ) -> list[Hold]: ...
    def members_due(self, program_id: int, now: datetime, limit: int) -> list[int]: ...
    def history(self, member_id: int, before: int | None, limit: int) -> Page: ...
    def expiring(self, member_id: int, now: datetime, until: datetime) -> int: ...


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    response: dict[str, Any] | None


class IdempotencyKeys(Protocol):
    def claim(
        self,
        program_id: int,
        key: str,
        fingerprint: str,
        now: datetime,
    ) -> StoredResponse | None:
        """Reserve ``key`` for this transaction, or return what it already holds.

        Blocks while another transaction holds the same key uncommitted.
        """

    def record(self, program_id: int, key: str, response: dict[str, Any]) -> None: ...


class Outbox(Protocol):
    def add(self, program_id: int, topic: str, payload: dict[str, Any], now: datetime) -> None: ...


class AuditLog(Protocol):
    def record(
        self,
        program_id: int | None,
        actor: str,
        action: str,
        target: str | None,
        detail: dict[str, Any],
        now: datetime,
    ) -> None: ...


@dataclass(frozen=True)
class ApiKeyRecord:
    id: int
    program_id: int
    name: str
    prefix: str
    secret_hash: str
    scopes: frozenset[str]
    revoked: bool


class ApiKeys(Protocol):
    def add(
        self,
        program_id: int,
        name: str,
        prefix: str,
        secret_hash: str,
        scopes: list[str],
        now: datetime,
    ) -> int: ...
    def by_prefix(self, prefix: str) -> ApiKeyRecord | None: ...


class Programs(Protocol):
    def by_code(self, code: str) -> Program | None: ...
    def by_id(self, program_id: int) -> Program | None: ...
    def all(self) -> list[Program]: ...
    def save(self, program: Program, now: datetime) -> Program: ...


class Verifier(Protocol):
    def check(self) -> dict[str, Any]: ...


class UnitOfWork(Protocol):
    members: Members
    ledger: Ledger
    idempotency: IdempotencyKeys
    outbox: Outbox
    audit: AuditLog
    apikeys: ApiKeys
    programs: Programs
    verifier: Verifier

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork: ...

"""The ports every area shares: the clock, members, idempotency keys, the outbox,
the audit log and the programme's versions; ``adapters`` implement them, tests may fake them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from jifen.domain.definition import ProgramDefinition
from jifen.domain.members import Member
from jifen.domain.programs import Program


class Clock(Protocol):
    def now(self) -> datetime: ...


class Chance(Protocol):
    """Where lottery draws come from: a cryptographic source in production."""

    def below(self, n: int) -> int:
        """A uniform whole number in ``[0, n)``."""


@dataclass(frozen=True)
class NewMember:
    external_id: str
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    attributes: dict[str, Any] | None = None
    display_name: str | None = None
    language: str | None = None


class Members(Protocol):
    def add(self, program_id: int, new: NewMember, now: datetime) -> Member: ...
    def get(self, program_id: int, external_id: str) -> Member | None: ...
    def by_contact(self, program_id: int, contact: str) -> Member | None:
        """By member id, phone or email (the portal's sign-in)."""

    def by_member_code(self, program_id: int, code: str) -> Member | None:
        """By the membership code a till scans (``engagement.codes.member_code``)."""

    def by_referral_code(self, program_id: int, code: str) -> Member | None: ...
    def contact_taken(self, program_id: int, phone: str | None, email: str | None) -> bool:
        """Whether a member who is not erased has this phone or this email."""

    def search(self, program_id: int, text_: str, limit: int) -> list[Member]:
        """Members whose id, phone or email starts with ``text_`` (the console)."""

    def lock(self, program_id: int, external_id: str) -> Member | None: ...
    def lock_many(self, program_id: int, external_ids: Collection[str]) -> dict[str, Member]:
        """Lock the members found, in id order (so two batches never wait in a cycle)."""

    def lock_by_id(self, member_id: int) -> Member: ...
    def by_id(self, member_id: int) -> Member | None: ...
    def update(self, member_id: int, changes: dict[str, Any], now: datetime) -> Member: ...


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    response: dict[str, Any] | None


class KeyScope(StrEnum):
    """Whose an idempotency key is: two namespaces, so that no text of one is the other's.

    ``caller``: a key that came with a request (the API's ``Idempotency-Key``, the CLI's
    ``--key``, the random key of a console or portal form). ``jifen``: a key jifen makes
    from a business id of its own (``order:{order_id}``, ``refund:{refund_id}``,
    ``birthday:{member}:{year}``, ``balance:{member}/{reference}``).
    """

    CALLER = "caller"
    JIFEN = "jifen"


class IdempotencyKeys(Protocol):
    """Keys are unique per programme and scope. ``claim`` and ``record`` take the scope;
    the ``_many`` methods serve the pipeline's and the imports' batches, whose keys are
    always jifen's own (``KeyScope.JIFEN``)."""

    def claim(
        self,
        program_id: int,
        key: str,
        fingerprint: str,
        now: datetime,
        scope: KeyScope = KeyScope.CALLER,
    ) -> StoredResponse | None:
        """Reserve ``key`` for this transaction, or return what it already holds.

        Blocks while another transaction holds the same key uncommitted.
        """

    def record(
        self,
        program_id: int,
        key: str,
        response: dict[str, Any],
        scope: KeyScope = KeyScope.CALLER,
    ) -> None: ...
    def claim_many(self, program_id: int, keys: Mapping[str, str], now: datetime) -> set[str]:
        """Reserve the jifen keys (key -> fingerprint) no one holds; return those reserved now.

        For the pipeline's batches, whose keys are its own: a key already taken is
        simply not returned.
        """

    def record_many(self, program_id: int, responses: Mapping[str, dict[str, Any]]) -> None: ...
    def stored_many(self, program_id: int, keys: Collection[str]) -> dict[str, StoredResponse]:
        """What the jifen keys already taken hold (a key no one holds is not returned)."""


class Outbox(Protocol):
    def add(self, program_id: int, topic: str, payload: dict[str, Any], now: datetime) -> None: ...
    def add_many(
        self, program_id: int, topic: str, payloads: Sequence[dict[str, Any]], now: datetime
    ) -> None:
        """Events of one topic, in order, in one statement."""

    def add_events(
        self, program_id: int, events: Sequence[tuple[str, dict[str, Any], datetime]]
    ) -> None:
        """Events (topic, payload, when) of any topics, in order, in one statement."""


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


class Programs(Protocol):
    def by_code(self, code: str) -> Program | None: ...
    def by_id(self, program_id: int) -> Program | None: ...
    def all(self) -> list[Program]: ...
    def save(self, program: Program, now: datetime) -> Program: ...


@dataclass(frozen=True)
class VersionInfo:
    version: int
    published_at: datetime
    published_by: str


class ProgramVersions(Protocol):
    def add(
        self, program_id: int, version: int, source: str, actor: str, now: datetime
    ) -> None: ...
    def latest(self, program_id: int) -> VersionInfo | None: ...
    def source(self, program_id: int, version: int) -> str | None: ...
    def all(self, program_id: int) -> list[VersionInfo]: ...
    def current(self, program_id: int) -> int | None:
        """The version earning uses now."""

    def set_current(self, program_id: int, version: int) -> None: ...


class Compiler(Protocol):
    """Validates and compiles a programme's text (a programme file)."""

    def __call__(self, source: str, name: str, version: int) -> ProgramDefinition: ...


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    program_id: int
    topic: str
    payload: dict[str, Any]
    created_at: datetime


class OutboxRelay(Protocol):
    def unpublished(self, limit: int) -> list[OutboxEvent]:
        """The oldest events not yet published, by id, locked until the transaction ends."""

    def mark_published(self, ids: Sequence[int], now: datetime) -> int: ...
    def latest(self, program_id: int, topic: str, limit: int) -> list[OutboxEvent]:
        """The newest events of one topic, newest first."""


class Publisher(Protocol):
    """Where outbox events go (notification and webhook sinks plug in here)."""

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        """Deliver ``events`` in order, or raise: nothing is marked published then."""


class Transaction(Protocol):
    """``with uow: ...; uow.commit()``: leaving without a commit rolls back."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def commit_with(self, write: Callable[[], None]) -> None:
        """``write()``, then commit, sent together where the database allows it
        (PostgreSQL: one pipeline, one round trip). Nothing ``write`` does may read a
        row, and every guard of its statements fails inside the database."""

    def rollback(self) -> None: ...
    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside undoes only what it did."""


class SharedWork(Transaction, Protocol):
    """What every area may use in a transaction: members, idempotency keys, the outbox,
    the audit log, the programmes and their versions.

    Each area's ``ports.py`` adds its own repositories to this (``LedgerWork``,
    ``EarningWork``...); a use case asks for the smallest one it needs, and
    :class:`jifen.services.unit_of_work.UnitOfWork` has them all.
    """

    members: Members
    idempotency: IdempotencyKeys
    outbox: Outbox
    outbox_relay: OutboxRelay
    audit: AuditLog
    programs: Programs
    versions: ProgramVersions


W_co = TypeVar("W_co", bound=Transaction, covariant=True)


class WorkFactory(Protocol[W_co]):
    """Opens a unit of work; ``write=False`` for one that only reads."""

    def __call__(self, *, write: bool = True) -> W_co: ...

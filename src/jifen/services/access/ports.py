"""Who may do what: API keys, operators and their sessions, portal sign-in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jifen.domain.access import SigninCode, WebSession
from jifen.domain.operators import Operator
from jifen.services.ports import SharedWork


@dataclass(frozen=True)
class ApiKeyRecord:
    id: int
    program_id: int
    name: str
    prefix: str
    secret_hash: str
    scopes: frozenset[str]
    revoked: bool
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    replaced_by: int | None = None


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
    def by_id(self, program_id: int, key_id: int) -> ApiKeyRecord | None:
        """The programme's key with this id, its row locked."""

    def of_program(self, program_id: int) -> list[ApiKeyRecord]:
        """Every key of the programme, revoked ones too, oldest first."""

    def revoke(self, key_id: int, now: datetime, replaced_by: int | None = None) -> None: ...


class Access(Protocol):
    """Portal sign-in codes and sessions (keyed hashes only)."""

    def add_code(
        self,
        program_id: int,
        member_id: int | None,
        code_hash: str,
        ticket_hash: str,
        seed: str,
        expires_at: datetime,
        now: datetime,
        enrolment: dict[str, Any] | None = None,
    ) -> int:
        """A code for a member, or (``member_id`` None) for someone joining with the
        details in ``enrolment``, which are dropped with the seed."""

    def code_by_ticket(self, ticket_hash: str) -> SigninCode | None:
        """The code asked for with this ticket, its row locked."""

    def seed(self, code_id: int, now: datetime) -> str | None:
        """The seed of a code that can still be used (None once used, burnt or expired)."""

    def try_code(self, code_id: int, *, spent: bool = False) -> None:
        """Count one more try of a code; ``spent``: it was the last, drop its seed."""

    def use_code(self, code_id: int, now: datetime) -> None:
        """Mark a code used and drop its seed and ticket."""

    def forget_expired_seeds(self, now: datetime) -> int:
        """Drop the seeds and tickets of codes past their end; how many."""

    def codes_since(self, member_id: int, since: datetime) -> int: ...
    def saw_device(self, program_id: int, member_id: int, device: str, now: datetime) -> None:
        """The member joined or signed in from ``device`` (a keyed hash) at ``now``."""

    def used_device(self, member_id: int, device: str) -> bool:
        """Whether the member ever joined or signed in from ``device``."""

    def add_session(self, session: WebSession, now: datetime) -> None: ...
    def session(self, token_hash: str) -> WebSession | None: ...
    def end_session(self, token_hash: str) -> None: ...


@dataclass(frozen=True)
class ConsoleSession:
    token_hash: str
    operator_id: int
    csrf: str
    expires_at: datetime


class Operators(Protocol):
    def add(
        self, username: str, name: str, role: str, password_hash: str, now: datetime
    ) -> Operator: ...
    def by_username(self, username: str) -> tuple[Operator, str] | None:
        """The operator and their stored password hash."""

    def by_id(self, operator_id: int) -> Operator | None: ...
    def everyone(self) -> list[Operator]:
        """All operators, by username."""

    def change(
        self,
        operator_id: int,
        *,
        role: str | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
    ) -> Operator: ...
    def end_sessions(self, operator_id: int) -> int:
        """End every console session of the operator; how many there were."""

    def signed_in(self, operator_id: int, now: datetime, rehashed: str | None) -> None: ...
    def add_session(self, session: ConsoleSession, now: datetime) -> None: ...
    def session(self, token_hash: str) -> ConsoleSession | None: ...
    def end_session(self, token_hash: str) -> None: ...


class Doors(Protocol):
    """Attempts at a door, by scope (contact, address, user, all) and keyed subject."""

    def hold(self, subjects: Sequence[str]) -> None:
        """Hold these subjects until the transaction ends: a count and the attempt it
        admits are not split by another transaction's."""

    def count(self, door: str, scope: str, subject: str, since: datetime) -> int: ...
    def add(self, door: str, subjects: Sequence[tuple[str, str]], now: datetime) -> None:
        """One attempt for each ``(scope, subject)``."""

    def forget(self, door: str, scope: str, subject: str) -> int:
        """Forget a subject's attempts (an admin's unlock); how many."""

    def forget_before(self, cutoff: datetime) -> int: ...


class Passwords(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, stored: str | None, password: str) -> bool: ...
    def needs_rehash(self, stored: str) -> bool: ...


class DoorsWork(SharedWork, Protocol):
    """What forgetting the doors' stale secrets and attempts needs (the worker's rounds)."""

    access: Access
    doors: Doors


class AccessWork(DoorsWork, Protocol):
    """What API keys, operators and portal sign-in need in a transaction."""

    apikeys: ApiKeys
    operators: Operators

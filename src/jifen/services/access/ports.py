"""Who may do what: API keys, operators and their sessions, portal sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

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


class Access(Protocol):
    """Portal sign-in codes and sessions (keyed hashes only)."""

    def add_code(
        self, program_id: int, member_id: int, code_hash: str, expires_at: datetime, now: datetime
    ) -> None: ...
    def latest_code(self, member_id: int) -> SigninCode | None:
        """The member's newest code, its row locked."""

    def try_code(self, code_id: int) -> None:
        """Count one more try of a code."""

    def use_code(self, code_id: int, now: datetime) -> None: ...
    def codes_since(self, member_id: int, since: datetime) -> int: ...
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


class Passwords(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, stored: str | None, password: str) -> bool: ...
    def needs_rehash(self, stored: str) -> bool: ...


class AccessWork(SharedWork, Protocol):
    """What API keys, operators and portal sign-in need in a transaction."""

    apikeys: ApiKeys
    access: Access
    operators: Operators

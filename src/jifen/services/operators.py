"""Operators of the console: created from the CLI, signed in with a password.

Passwords are argon2id hashes; a wrong password and an unknown name take the
same time and give the same answer. Sessions last a working day and are kept
as keyed hashes, like the portal's.
"""

from __future__ import annotations

import re
import secrets

from jifen.domain.access import keyed_hash
from jifen.domain.errors import InvalidInput, Unauthenticated
from jifen.domain.operators import CONSOLE_SESSION_TTL, Operator, Role
from jifen.services.ports import Clock, ConsoleSession, Passwords, UnitOfWork

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12


def create_operator(
    uow: UnitOfWork,
    clock: Clock,
    passwords: Passwords,
    username: str,
    name: str,
    role: str,
    password: str,
    actor: str,
) -> Operator:
    if not USERNAME.match(username):
        raise InvalidInput("a username is 2-64 lower-case letters, digits, . _ -", field="username")
    if role not in {r.value for r in Role}:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role is one of {roles}", field="role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters", field="password")
    now = clock.now()
    with uow:
        made = uow.operators.add(
            username, name.strip() or username, role, passwords.hash(password), now
        )
        uow.audit.record(None, actor, "operator.create", username, {"role": role}, now)
        uow.commit()
        return made


def sign_in(
    uow: UnitOfWork, clock: Clock, passwords: Passwords, username: str, password: str, key: str
) -> tuple[str, ConsoleSession, Operator]:
    now = clock.now()
    with uow:
        found = uow.operators.by_username(username.strip().lower())
        operator, stored = found if found else (None, None)
        if not passwords.verify(stored, password) or operator is None or not operator.active:
            uow.audit.record(
                None, f"console:{username[:64]}", "console.sign_in_failed", None, {}, now
            )
            uow.commit()
            raise Unauthenticated("wrong username or password", code="sign_in_failed")
        assert stored is not None
        rehashed = passwords.hash(password) if passwords.needs_rehash(stored) else None
        uow.operators.signed_in(operator.id, now, rehashed)
        token = secrets.token_urlsafe(32)
        session = ConsoleSession(
            keyed_hash(token, key),
            operator.id,
            secrets.token_urlsafe(24),
            now + CONSOLE_SESSION_TTL,
        )
        uow.operators.add_session(session, now)
        uow.audit.record(None, operator.actor, "console.sign_in", None, {}, now)
        uow.commit()
        return token, session, operator


def signed_in(
    uow: UnitOfWork, clock: Clock, token: str | None, key: str
) -> tuple[Operator, ConsoleSession] | None:
    if not token:
        return None
    now = clock.now()
    with uow:
        session = uow.operators.session(keyed_hash(token, key))
        if session is None or now >= session.expires_at:
            return None
        operator = uow.operators.by_id(session.operator_id)
    if operator is None or not operator.active:
        return None
    return operator, session


def sign_out(uow: UnitOfWork, token: str, key: str) -> None:
    with uow:
        uow.operators.end_session(keyed_hash(token, key))
        uow.commit()

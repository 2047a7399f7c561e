"""Operators of the console: created from the CLI, signed in with a password.

Passwords are argon2id hashes; a wrong password and an unknown name take the
same time and give the same answer. Sessions last a working day and are kept
as keyed hashes, like the portal's.

Failed sign-ins are counted in the database (every server process sees them)
per username and per client address: five for one username or twenty from one
address within fifteen minutes lock that door until the window has passed or an
admin unlocks the account. A username that is no one's is counted and locked
alike, so the lock tells nothing about who has an account. All audited.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from jifen.domain.access import keyed_hash
from jifen.domain.error_codes import AccessCode
from jifen.domain.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from jifen.domain.operators import CONSOLE_SESSION_TTL, Operator, Permission, Role
from jifen.services.access.ports import AccessWork, ConsoleSession, Passwords
from jifen.services.ports import Clock

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
DOOR = "console_failure"
LOCK_WINDOW = timedelta(minutes=15)
FAILURES_PER_USER = 5
FAILURES_PER_ADDRESS = 20


def create_operator(
    uow: AccessWork,
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
    _require_role(role)
    _require_password(password)
    now = clock.now()
    with uow:
        made = uow.operators.add(
            username, name.strip() or username, role, passwords.hash(password), now
        )
        uow.audit.record(None, actor, "operator.create", username, {"role": role}, now)
        uow.commit()
        return made


def everyone(uow: AccessWork) -> list[Operator]:
    with uow:
        return uow.operators.everyone()


def change_operator(
    uow: AccessWork,
    clock: Clock,
    by: Operator,
    username: str,
    *,
    role: str | None = None,
    active: bool | None = None,
) -> Operator:
    """An admin changes another operator's role or switches them off (or on again).

    An admin cannot demote or switch off themselves, so a programme always keeps
    the admin doing the change. Switching someone off ends their sessions at once.
    """
    by.require(Permission.MANAGE_OPERATORS)
    if role is not None:
        _require_role(role)
    now = clock.now()
    with uow:
        who = _operator(uow, username)
        if who.id == by.id and (active is False or role not in (None, by.role.value)):
            raise Conflict(
                "you cannot demote or switch off your own account",
                code=AccessCode.OWN_ACCOUNT,
                username=username,
            )
        changed = uow.operators.change(who.id, role=role, active=active)
        if active is False:
            uow.operators.end_sessions(who.id)
        detail = {k: v for k, v in (("role", role), ("active", active)) if v is not None}
        uow.audit.record(None, by.actor, "operator.change", username, detail, now)
        uow.commit()
        return changed


def set_password(
    uow: AccessWork, clock: Clock, passwords: Passwords, by: Operator, username: str, password: str
) -> None:
    """An admin sets a new password (their own, or one to hand over); sessions end."""
    if by.username != username:
        by.require(Permission.MANAGE_OPERATORS)
    _require_password(password)
    hashed = passwords.hash(password)
    now = clock.now()
    with uow:
        who = _operator(uow, username)
        uow.operators.change(who.id, password_hash=hashed)
        uow.operators.end_sessions(who.id)
        uow.audit.record(None, by.actor, "operator.password", username, {}, now)
        uow.commit()


def _operator(uow: AccessWork, username: str) -> Operator:
    found = uow.operators.by_username(username)
    if found is None:
        raise NotFound(
            f"no operator {username!r}", code=AccessCode.OPERATOR_NOT_FOUND, username=username
        )
    return found[0]


def _require_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role is one of {roles}", field="role")


def _require_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters", field="password")


def sign_in(
    uow: AccessWork,
    clock: Clock,
    passwords: Passwords,
    username: str,
    password: str,
    key: str,
    *,
    address: str = "",
) -> tuple[str, ConsoleSession, Operator]:
    now = clock.now()
    name = username.strip().lower()
    user, where = _subject("user", name, key), _subject("address", address, key)
    with uow:
        uow.doors.hold([user, where])
        if (
            uow.doors.count(DOOR, "user", user, now - LOCK_WINDOW) >= FAILURES_PER_USER
            or uow.doors.count(DOOR, "address", where, now - LOCK_WINDOW) >= FAILURES_PER_ADDRESS
        ):
            uow.audit.record(
                None, f"console:{name[:64]}", "console.sign_in_locked", None, _at(address), now
            )
            uow.commit()
            raise Unauthenticated(
                "too many failed sign-ins; try again in 15 minutes or ask an admin",
                code=AccessCode.SIGN_IN_LOCKED,
            )
        found = uow.operators.by_username(name)
        operator, stored = found if found else (None, None)
        if not passwords.verify(stored, password) or operator is None or not operator.active:
            uow.doors.add(DOOR, [("user", user), ("address", where)], now)
            uow.audit.record(
                None, f"console:{name[:64]}", "console.sign_in_failed", None, _at(address), now
            )
            uow.commit()
            raise Unauthenticated("wrong username or password", code=AccessCode.SIGN_IN_FAILED)
        assert stored is not None
        uow.doors.forget(DOOR, "user", user)
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


def unlock(
    uow: AccessWork, clock: Clock, username: str, key: str, *, by: Operator | None, actor: str
) -> int:
    """An admin (or the CLI, ``by`` None) lets an account try again now; how many failures
    were forgotten."""
    if by is not None:
        by.require(Permission.MANAGE_OPERATORS)
    now = clock.now()
    with uow:
        who = _operator(uow, username)
        forgotten = uow.doors.forget(DOOR, "user", _subject("user", who.username, key))
        uow.audit.record(None, actor, "operator.unlock", who.username, {"failures": forgotten}, now)
        uow.commit()
        return forgotten


def locked_out(uow: AccessWork, clock: Clock, usernames: list[str], key: str) -> set[str]:
    """Which of these accounts are locked now by their failed sign-ins."""
    since = clock.now() - LOCK_WINDOW
    with uow:
        return {
            u
            for u in usernames
            if uow.doors.count(DOOR, "user", _subject("user", u, key), since) >= FAILURES_PER_USER
        }


def _subject(scope: str, value: str, key: str) -> str:
    return keyed_hash(f"console-{scope}:{value}", key)


def _at(address: str) -> dict[str, str]:
    return {"address": address} if address else {}


def signed_in(
    uow: AccessWork, clock: Clock, token: str | None, key: str
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


def sign_out(uow: AccessWork, token: str, key: str) -> None:
    with uow:
        uow.operators.end_session(keyed_hash(token, key))
        uow.commit()

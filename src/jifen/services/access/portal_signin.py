"""Members sign in to the portal with a one-time code sent through the outbox.

``request_code`` answers the same whether or not the contact is a member's, so
the sign-in page cannot be used to find out who is one. A code works once,
within ten minutes and five tries; at most five are sent per member per hour.
``verify_code`` opens a session: the browser holds a random token, the
database its keyed hash and the session's CSRF token.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from jifen.domain.access import CODE_DIGITS, CODE_TTL, SESSION_TTL, WebSession, keyed_hash
from jifen.domain.error_codes import AccessCode
from jifen.domain.errors import InvalidInput, RuleViolation, Unauthenticated
from jifen.domain.members import Member, MemberStatus
from jifen.domain.programs import Program
from jifen.services.access.ports import AccessWork
from jifen.services.ports import Clock

CODES_PER_HOUR = 5
SIGNIN_TOPIC = "member.signin_code_issued"


def request_code(uow: AccessWork, clock: Clock, program: Program, contact: str, key: str) -> None:
    """Send a code to the member with this id, phone or email, if there is one."""
    contact = contact.strip()
    if not contact or len(contact) > 254:
        raise InvalidInput("enter your member number, phone or email", field="contact")
    now = clock.now()
    with uow:
        member = uow.members.by_contact(program.id, contact)
        if member is None or member.status is not MemberStatus.ACTIVE:
            return
        if uow.access.codes_since(member.id, now - timedelta(hours=1)) >= CODES_PER_HOUR:
            raise RuleViolation(
                "too many codes asked for; try again in an hour",
                code=AccessCode.SIGNIN_CODES_EXHAUSTED,
            )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        expires = now + CODE_TTL
        uow.access.add_code(program.id, member.id, keyed_hash(code, key), expires, now)
        uow.outbox.add(
            program.id,
            SIGNIN_TOPIC,
            {
                "member": member.external_id,
                "to": _channel(member),
                "code": code,
                "expires_at": expires.isoformat(),
            },
            now,
        )
        uow.commit()


def verify_code(
    uow: AccessWork, clock: Clock, program: Program, contact: str, code: str, key: str
) -> tuple[str, WebSession]:
    """A new session for the member whose latest code this is: (token, session)."""
    now = clock.now()
    with uow:
        member = uow.members.by_contact(program.id, contact.strip())
        latest = uow.access.latest_code(member.id) if member is not None else None
        if member is None or latest is None:
            raise Unauthenticated(
                "that code is wrong or has expired", code=AccessCode.SIGNIN_CODE_INVALID
            )
        uow.access.try_code(latest.id)
        try:
            latest.check(keyed_hash(code.strip(), key), now)
        except Unauthenticated:
            uow.commit()  # the failed try counts
            raise
        uow.access.use_code(latest.id, now)
        token = secrets.token_urlsafe(32)
        session = WebSession(
            keyed_hash(token, key),
            program.id,
            member.id,
            secrets.token_urlsafe(24),
            now + SESSION_TTL,
        )
        uow.access.add_session(session, now)
        uow.commit()
        return token, session


def signed_in(
    uow: AccessWork, clock: Clock, program: Program, token: str | None, key: str
) -> tuple[Member, WebSession] | None:
    """The member and session behind a browser's token, if it is live."""
    if not token:
        return None
    now = clock.now()
    with uow:
        session = uow.access.session(keyed_hash(token, key))
        if session is None or not session.live(now) or session.program_id != program.id:
            return None
        member = uow.members.by_id(session.member_id)
    if member is None or member.status is not MemberStatus.ACTIVE:
        return None
    return member, session


def sign_out(uow: AccessWork, token: str, key: str) -> None:
    with uow:
        uow.access.end_session(keyed_hash(token, key))
        uow.commit()


def signin_codes_sent(uow: AccessWork, program: Program, limit: int = 20) -> list[dict[str, str]]:
    """The latest codes in the outbox: the demo's developer mailbox."""
    with uow:
        return [
            {**e.payload, "sent_at": e.created_at.isoformat()}
            for e in uow.outbox_relay.latest(program.id, SIGNIN_TOPIC, limit)
        ]


def _channel(member: Member) -> str:
    return member.email or member.phone or member.external_id

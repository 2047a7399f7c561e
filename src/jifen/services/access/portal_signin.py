"""Members sign in to the portal with a one-time code sent through the outbox.

``request_code`` answers the same whether or not the contact is a member's, so
the sign-in page cannot be used to find out who is one: the limits that answer
with an error (per contact, per client address, per programme) count every
request, member or not; the one per member is silent (no message, same answer).
It returns a ticket for the browser that asked: ``verify_code`` tries a code
only with its ticket, so another's wrong guesses cannot burn a member's code.
The outbox event names the code's row, never the code: the message is rendered
at delivery (``signin_message``) from a seed that is dropped with the code.
``verify_code`` opens a session: the browser holds a random token, the
database its keyed hash and the session's CSRF token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jifen.domain.access import (
    CODE_TTL,
    SESSION_TTL,
    SigninCode,
    WebSession,
    code_from_seed,
    keyed_hash,
)
from jifen.domain.error_codes import AccessCode
from jifen.domain.errors import InvalidInput, RuleViolation, Unauthenticated
from jifen.domain.members import Member, MemberStatus
from jifen.domain.programs import Program
from jifen.services.access.forgetting import forget_in
from jifen.services.access.ports import AccessWork
from jifen.services.ports import Clock

SIGNIN_TOPIC = "member.signin_code_issued"
DOOR = "portal_code"
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class SigninLimits:
    """Codes asked for per hour: per contact, per client address, per member, per programme."""

    per_contact: int = 5
    per_address: int = 20
    per_member: int = 5
    per_program: int = 1000


def request_code(
    uow: AccessWork,
    clock: Clock,
    program: Program,
    contact: str,
    key: str,
    *,
    address: str = "",
    limits: SigninLimits = SigninLimits(),
    enrolment: dict[str, Any] | None = None,
) -> str:
    """Send a code to the member with this id, phone or email, if there is one; or, given
    ``enrolment`` (someone joining: their checked contact and details), to the contact
    when no member has it, for the code to make them a member (``engagement.joining``).

    Returns the ticket the code must be tried with (a ticket for nothing when no
    code was sent: the caller cannot tell the difference).
    """
    contact = contact.strip()
    if not contact or len(contact) > 254:
        raise InvalidInput("enter your member number, phone or email", field="contact")
    ticket = secrets.token_urlsafe(24)
    now = clock.now()
    subjects = [
        ("all", f"program:{program.id}", limits.per_program),
        ("address", keyed_hash(f"address:{address}", key), limits.per_address),
        ("contact", keyed_hash(f"contact:{program.id}:{contact.lower()}", key), limits.per_contact),
    ]
    with uow:
        uow.doors.hold([subject for _, subject, _ in subjects])
        forget_in(uow, now)
        for scope, subject, limit in subjects:
            if uow.doors.count(DOOR, scope, subject, now - WINDOW) >= limit:
                raise RuleViolation(
                    "too many codes asked for; try again later",
                    code=AccessCode.SIGNIN_CODES_EXHAUSTED,
                )
        uow.doors.add(DOOR, [(scope, subject) for scope, subject, _ in subjects], now)
        member = uow.members.by_contact(program.id, contact)
        if (
            member is not None
            and member.status is MemberStatus.ACTIVE
            and uow.access.codes_since(member.id, now - WINDOW) < limits.per_member
        ):
            _issue(uow, program, member, _channel(member), ticket, key, now)
        elif member is None and enrolment is not None:
            _issue(uow, program, None, contact, ticket, key, now, enrolment)
        uow.commit()
    return ticket


def _issue(
    uow: AccessWork,
    program: Program,
    member: Member | None,
    to: str,
    ticket: str,
    key: str,
    now: datetime,
    enrolment: dict[str, Any] | None = None,
) -> None:
    seed = secrets.token_urlsafe(32)
    expires = now + CODE_TTL
    code_hash = keyed_hash(code_from_seed(seed, key), key)
    code_id = uow.access.add_code(
        program.id,
        None if member is None else member.id,
        code_hash,
        keyed_hash(ticket, key),
        seed,
        expires,
        now,
        enrolment,
    )
    uow.outbox.add(
        program.id,
        SIGNIN_TOPIC,
        {
            "member": None if member is None else member.external_id,
            "to": to,
            "code_id": code_id,
            "expires_at": expires.isoformat(),
        },
        now,
    )


def signin_message(
    uow: AccessWork, clock: Clock, payload: dict[str, Any], key: str
) -> dict[str, Any] | None:
    """The message for a ``member.signin_code_issued`` event, rendered at delivery.

    None once the code is used, burnt or expired: there is nothing left to send.
    A notification sink calls this for each such event it delivers.
    """
    code_id = payload.get("code_id")
    if not isinstance(code_id, int):
        return None
    with uow:
        seed = uow.access.seed(code_id, clock.now())
    if seed is None:
        return None
    return {**payload, "code": code_from_seed(seed, key)}


def verify_code(
    uow: AccessWork, clock: Clock, program: Program, ticket: str | None, code: str, key: str
) -> tuple[str, WebSession]:
    """A new session for the member whose code was asked for with this ticket."""
    now = clock.now()
    with uow:
        found = take_code(uow, program, ticket, code, key, now)
        if found.member_id is None:  # a code to join: only ``engagement.joining`` takes it
            raise _wrong_code()
        token, session = open_session(uow, program, found.member_id, key, now)
        uow.commit()
        return token, session


def take_code(
    uow: AccessWork, program: Program, ticket: str | None, code: str, key: str, now: datetime
) -> SigninCode:
    """The code asked for with this ticket, used up, if ``code`` is it; inside ``with uow``.

    A wrong code is refused, and the failed try is committed (it counts)."""
    found = uow.access.code_by_ticket(keyed_hash(ticket, key)) if ticket else None
    if found is None or found.program_id != program.id:
        raise _wrong_code()
    try:
        found.check(keyed_hash(code.strip(), key), now)
    except Unauthenticated:
        uow.access.try_code(found.id, spent=found.spent_by_this_try())
        uow.commit()  # the failed try counts
        raise
    uow.access.use_code(found.id, now)
    return found


def open_session(
    uow: AccessWork, program: Program, member_id: int, key: str, now: datetime
) -> tuple[str, WebSession]:
    """A new portal session for the member: the browser's token, and what is kept of it."""
    token = secrets.token_urlsafe(32)
    session = WebSession(
        keyed_hash(token, key), program.id, member_id, secrets.token_urlsafe(24), now + SESSION_TTL
    )
    uow.access.add_session(session, now)
    return token, session


def _wrong_code() -> Unauthenticated:
    return Unauthenticated("that code is wrong or has expired", code=AccessCode.SIGNIN_CODE_INVALID)


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


def signin_codes_sent(
    uow: AccessWork, clock: Clock, program: Program, key: str, limit: int = 20
) -> list[dict[str, Any]]:
    """The latest sign-in messages, rendered as delivery would: the demo's developer mailbox.

    A message whose code is used, burnt or expired shows no code (``code`` is None).
    """
    now = clock.now()
    with uow:
        sent = []
        for event in uow.outbox_relay.latest(program.id, SIGNIN_TOPIC, limit):
            code_id = event.payload.get("code_id")
            seed = uow.access.seed(code_id, now) if isinstance(code_id, int) else None
            code = None if seed is None else code_from_seed(seed, key)
            sent.append({**event.payload, "code": code, "sent_at": event.created_at.isoformat()})
        return sent


def _channel(member: Member) -> str:
    return member.email or member.phone or member.external_id

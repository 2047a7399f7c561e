"""Joining in the portal: details first, then a one-time code to the contact (ADR 0031).

``ask_to_join`` checks what the person gave and asks for a code to their phone or email,
with the sign-in's limits and its one answer for everyone: when a member already has the
contact, the code signs that member in (the page cannot be used to learn who is one);
otherwise the code carries the details, kept beside it until it is used or expires.
``join_with_code`` takes the code: it makes the member (``enrolment.enrol_in``: the same
rules as the API, the sign-up paid once) and opens their session in one transaction; the
code is spent only if the member is made.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from jifen.domain.access import WebSession
from jifen.domain.engagement import enrolment as rules
from jifen.domain.engagement.codes import REFERRAL_ALPHABET
from jifen.domain.members import MemberStatus
from jifen.domain.programs import Program
from jifen.services.access import SigninLimits, open_session, request_code, take_code
from jifen.services.engagement.commands import Enrol
from jifen.services.engagement.enrolment import (
    check,
    enrol_in,
    refuse_own_device,
    unknown_referral,
)
from jifen.services.engagement.ports import EngagementWork
from jifen.services.idempotency import Keyed
from jifen.services.ports import Clock, KeyScope
from jifen.services.rulebooks import Rulebooks

PORTAL = "portal"


@dataclass(frozen=True)
class Joining:
    """What the join page asks: a contact, then what the member chooses to give."""

    contact: str
    display_name: str
    language: str
    birthday: date | None = None
    marketing: tuple[str, ...] = ()  # the channels they agree to hear about offers by
    referral_code: str | None = None
    device: str | None = None  # the browser's keyed hash (``Enrol.device``)


@dataclass(frozen=True)
class Joined:
    token: str
    session: WebSession
    new: bool  # False: the contact was a member's, who is signed in instead


def ask_to_join(
    uow: EngagementWork,
    clock: Clock,
    program: Program,
    joining: Joining,
    key: str,
    *,
    address: str = "",
    limits: SigninLimits | None = None,
) -> str:
    """The ticket to try the code with; refuses what is wrong with ``joining`` first."""
    kind, contact = rules.contact(joining.contact)
    checked = check(_command(joining, kind, contact, external_id="p-0"), clock.now().date())
    cmd = checked.cmd
    if checked.referral is not None:  # said now: a referral code is public, not a secret
        with uow:
            found = uow.members.by_referral_code(program.id, checked.referral)
            if found is None or found.status is not MemberStatus.ACTIVE:
                raise unknown_referral()
            if joining.device is not None:  # said now to the browser it is about
                refuse_own_device(uow, found, joining.device)
    details = {
        "contact": contact,
        "kind": kind,
        "display_name": cmd.display_name,
        "language": cmd.language,
        "birthday": None if cmd.birthday is None else cmd.birthday.isoformat(),
        "marketing": list(joining.marketing),
        "referral_code": checked.referral,
        "device": joining.device,
    }
    return request_code(
        uow,
        clock,
        program,
        contact,
        key,
        address=address,
        limits=limits or SigninLimits(),
        enrolment=details,
    )


def join_with_code(
    uow: EngagementWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    ticket: str | None,
    code: str,
    key: str,
    device: str | None = None,
) -> Joined:
    """A session for whoever the code was asked for: a member made from the details it
    carries, or the member who has the contact (the code proves it is theirs). ``device``:
    the browser's keyed hash, remembered for the member."""
    now = clock.now()
    with uow:
        found = take_code(uow, program, ticket, code, key, now)
        member_id = found.member_id
        new = member_id is None
        if member_id is None:
            details = found.enrolment or {}
            existing = uow.members.by_contact(program.id, str(details.get("contact", "")))
            if existing is not None and existing.status is MemberStatus.ACTIVE:
                member_id, new = existing.id, False
            else:
                cmd = _command(_joining(details), details["kind"], details["contact"],
                               external_id=new_external_id())  # fmt: skip
                checked = check(cmd, now.date())
                call = Keyed(program, cmd, f"join:{found.id}", now, scope=KeyScope.JIFEN)
                member_id = enrol_in(uow, call, rulebooks, checked).id
        if device is not None:
            uow.access.saw_device(program.id, member_id, device, now)
        token, session = open_session(uow, program, member_id, key, now)
        uow.commit()
    return Joined(token, session, new)


def new_external_id() -> str:
    """The id of a member who joined in the portal: ``p-`` and ten characters."""
    return "p-" + "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(10)).lower()


def _joining(details: dict[str, Any]) -> Joining:
    birthday = details.get("birthday")
    return Joining(
        contact=str(details["contact"]),
        display_name=str(details["display_name"]),
        language=str(details["language"]),
        birthday=None if birthday is None else date.fromisoformat(birthday),
        marketing=tuple(details.get("marketing") or ()),
        referral_code=details.get("referral_code"),
        device=details.get("device"),
    )


def _command(joining: Joining, kind: str, contact: str, *, external_id: str) -> Enrol:
    return Enrol(
        external_id=external_id,
        phone=contact if kind == "phone" else None,
        email=contact if kind == "email" else None,
        birthday=joining.birthday,
        display_name=joining.display_name,
        language=joining.language,
        consents={c: c in joining.marketing for c in rules.MARKETING_CHANNELS},
        referral_code=joining.referral_code or None,
        source=PORTAL,
        device=joining.device,
    )

"""Someone joins: the same rules through the API, the portal and the console (ADR 0031).

``enrol`` checks what was given (``domain.engagement.enrolment``), then, once per key and
in one transaction: refuses a contact another member has (so nobody joins twice, nor
refers themselves by contact), finds the friend whose referral code was given, makes the
member (with their membership and referral codes), records their consents, and pays the
programme's sign-up (the ``sign_up`` activity, whose rules' lifetime cap makes it once per
member) and the referral sign-up (``referral_signed_up``, which links the two for ever);
before the programme's first publication there are no rules to pay, and the referral is
linked alone. Nothing is written when any step refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import partial

from jifen.domain.engagement import enrolment as rules
from jifen.domain.engagement.codes import referral_code
from jifen.domain.engagement.enrolment import Consent
from jifen.domain.error_codes import EarningCode, MemberCode
from jifen.domain.errors import Conflict, InvalidInput, RuleViolation
from jifen.domain.members import Member, MemberStatus
from jifen.domain.programs import Program
from jifen.services.earning import RecordActivity, record_activity_in
from jifen.services.engagement.commands import Enrol
from jifen.services.engagement.ports import EngagementWork
from jifen.services.idempotency import Keyed, once
from jifen.services.members import MemberView, join, member_view_of, require_external_id
from jifen.services.ports import Clock, NewMember
from jifen.services.rulebooks import Rulebooks

SIGN_UP = "sign_up"
REFERRAL_SIGNED_UP = "referral_signed_up"


@dataclass(frozen=True)
class Checked:
    """An ``Enrol`` as its rules read it: contact normalised, consents by channel."""

    cmd: Enrol
    consents: tuple[Consent, ...]
    referral: str | None


def enrol(
    uow: EngagementWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: Enrol,
    key: str,
) -> MemberView:
    """Someone joins through the API or the console: once per ``key``."""
    now = clock.now()
    checked = check(cmd, now.date())
    with uow:
        body = partial(_enrol, rulebooks=rulebooks, checked=checked)
        return once(uow, Keyed(program, cmd, key, now), body)


def check(cmd: Enrol, today: date) -> Checked:
    """``cmd`` as stored, or the first thing wrong with it (``InvalidInput``)."""
    require_external_id(cmd.external_id)
    normal = replace(
        cmd,
        phone=None if cmd.phone is None else rules.phone(cmd.phone),
        email=None if cmd.email is None else rules.email(cmd.email),
        display_name=None if cmd.display_name is None else rules.display_name(cmd.display_name),
        language=None if cmd.language is None else rules.language(cmd.language),
        birthday=None if cmd.birthday is None else rules.birthday(cmd.birthday, today),
    )
    consents = () if cmd.consents is None else rules.marketing_consents(cmd.consents)
    referral = None
    if cmd.referral_code is not None:
        referral = referral_code(cmd.referral_code)
        if referral is None:
            raise unknown_referral()
    return Checked(normal, consents, referral)


def _enrol(
    uow: EngagementWork, call: Keyed[Enrol], *, rulebooks: Rulebooks, checked: Checked
) -> MemberView:
    return member_view_of(uow, call.program, enrol_in(uow, call, rulebooks, checked), call.now)


def enrol_in(
    uow: EngagementWork, call: Keyed[Enrol], rulebooks: Rulebooks, checked: Checked
) -> Member:
    """The member ``checked`` makes, signed up; inside ``with uow`` (the call is keyed by
    the caller's key, or is the portal's code)."""
    program, now, cmd = call.program, call.now, checked.cmd
    # two joins with one contact at once: the second waits here, then finds it taken
    uow.doors.hold([f"join:{program.id}:{c}" for c in (cmd.phone, cmd.email) if c])
    if uow.members.contact_taken(program.id, cmd.phone, cmd.email):
        raise Conflict("another member has this phone or email", code=MemberCode.CONTACT_TAKEN)
    referrer = _referrer(uow, program, checked.referral)
    if referrer is not None and cmd.device is not None:
        refuse_own_device(uow, referrer, cmd.device)
    new = NewMember(
        cmd.external_id,
        cmd.phone,
        cmd.email,
        cmd.birthday,
        dict(cmd.attributes),
        cmd.display_name,
        cmd.language,
    )
    member = join(uow, program, new, now)
    if cmd.device is not None:
        uow.access.saw_device(program.id, member.id, cmd.device, now)
    if checked.consents:
        uow.consents.record(program.id, member.id, checked.consents, cmd.source, now)
    if rulebooks.current_or_none(uow, program) is None:  # nothing to pay before any rules
        if referrer is not None:
            uow.earning.add_referral(program.id, member.id, referrer.id, now)
    else:
        _act(uow, call, rulebooks, RecordActivity(member.external_id, SIGN_UP))
        if referrer is not None:
            payload = {"referrer": referrer.external_id}
            signed_up = RecordActivity(member.external_id, REFERRAL_SIGNED_UP, payload)
            _act(uow, call, rulebooks, signed_up)
    found = uow.members.get(program.id, member.external_id)
    assert found is not None, "made in this transaction"
    return found


def _referrer(uow: EngagementWork, program: Program, code: str | None) -> Member | None:
    if code is None:
        return None
    found = uow.members.by_referral_code(program.id, code)
    if found is None or found.status is not MemberStatus.ACTIVE:
        raise unknown_referral()
    # the referrer is never the person joining by contact: their contact is taken (above);
    # by device, see ``refuse_own_device``
    return found


def refuse_own_device(uow: EngagementWork, referrer: Member, device: str) -> None:
    """A referral code used from a browser (or app) its owner joined or signed in from is
    the owner's own: refused."""
    if uow.access.used_device(referrer.id, device):
        raise RuleViolation(
            "this referral code is your own: nobody refers themselves",
            code=EarningCode.SELF_REFERRAL,
            field="referral_code",
        )


def _act(
    uow: EngagementWork, call: Keyed[Enrol], rulebooks: Rulebooks, activity: RecordActivity
) -> None:
    inner = Keyed(call.program, activity, call.key, call.now, scope=call.scope)
    record_activity_in(uow, inner, rulebooks=rulebooks, when=call.now)


def unknown_referral() -> InvalidInput:
    return InvalidInput(
        "no member has this referral code",
        code=EarningCode.REFERRAL_CODE_UNKNOWN,
        field="referral_code",
    )

"""Referrals as people see them: a member's friends, the operators' report with what looks
like fraud, and an operator voiding a referral.

What a referral pays, and when, is earning's (``earning.referral_rewards``); this reads
it and voids through it. The report flags a referrer when:

- ``shared_device``: two of their friends, or a friend and the referrer, joined or signed
  in from one browser or app;
- ``lookalike_contacts``: three friends whose contacts differ only where people make up
  new ones (a phone's last two digits, an email's ``+tag`` or digits);
- ``friends_never_buy_again``: of three or more friends converted a month ago or more,
  half or more have bought only the purchase that paid the referral.

A flag is a reason to look, never a verdict: the operator decides and voids.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from jifen.domain.earning import ON_PURCHASE, RuleKind
from jifen.domain.errors import InvalidInput, MemberNotFound
from jifen.domain.programs import Program
from jifen.services.earning import void_referral_in
from jifen.services.earning.ports import Referral
from jifen.services.engagement.commands import VoidReferral
from jifen.services.engagement.ports import EngagementWork, FriendRow, ReferrerRow
from jifen.services.idempotency import Keyed, once
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks

SHARED_DEVICE = "shared_device"
LOOKALIKE_CONTACTS = "lookalike_contacts"
NEVER_AGAIN = "friends_never_buy_again"
FLAGS = (SHARED_DEVICE, LOOKALIKE_CONTACTS, NEVER_AGAIN)
#: friends whose contacts look alike before they are flagged
LOOKALIKE = 3
#: how long after converting a friend who bought nothing more counts as never again
QUIET = timedelta(days=30)
MAX_REASON = 500
#: the referrers the report lists
REPORT_SIZE = 50


@dataclass(frozen=True)
class FriendView:
    """A referral: the friend, where it stands, what it paid each side."""

    member: str
    name: str | None
    referrer: str
    status: str  # joined, pending (paid, in the return window), paid, voided
    joined_at: datetime
    converted_at: datetime | None
    order_id: str | None
    points: int  # the friend's
    referrer_points: int
    available_at: datetime | None
    void_reason: str | None
    replayed: bool = False


@dataclass(frozen=True)
class ReferrerView:
    """A referrer's friends, counted and listed, and what looks wrong about them."""

    member: str
    name: str | None
    friends: int
    converted: int
    voided: int
    points: int  # paid to the referrer by referrals that stand
    pending: int  # of those, still in their return window
    flags: tuple[str, ...]
    listed: tuple[FriendView, ...]


@dataclass(frozen=True)
class ReferralReport:
    as_of: datetime
    joined: int
    converted: int
    pending: int
    voided: int
    points: int  # both sides, of referrals that stand
    points_pending: int
    referrers: tuple[ReferrerView, ...]


@dataclass(frozen=True)
class ReferralOffer:
    """What the programme's referral rule pays, as a member is told it."""

    on_purchase: bool  # the friend's first qualifying purchase pays (else: their joining)
    min_paid: int  # minor units
    points: int  # the friend's
    referrer_points: int
    hold_days: int


def referral_offer(
    uow: EngagementWork, rulebooks: Rulebooks, program: Program
) -> ReferralOffer | None:
    """The programme's referral rule (the first, as the engine reads them), if any."""
    with uow:
        definition = rulebooks.current_or_none(uow, program)
    if definition is None:
        return None
    rule = next((r for r in definition.earning.rules if r.kind is RuleKind.REFERRAL), None)
    if rule is None:
        return None
    return ReferralOffer(
        on_purchase=rule.activity == ON_PURCHASE,
        min_paid=rule.min_paid,
        points=rule.points,
        referrer_points=rule.referrer_points,
        hold_days=rule.hold_days,
    )


def referral_report(
    uow: EngagementWork, clock: Clock, program: Program, limit: int = REPORT_SIZE
) -> ReferralReport:
    """The programme's referrals counted, and its busiest referrers with their friends."""
    now = clock.now()
    with uow:
        totals = uow.referral_reports.totals(program.id, now)
        rows = uow.referral_reports.referrers(program.id, now, limit)
        views = _referrers(uow, rows, now)
    return ReferralReport(as_of=now, referrers=views, **totals)


def member_referrals(
    uow: EngagementWork, clock: Clock, program: Program, external_id: str
) -> ReferrerView:
    """The friends ``external_id`` referred (none: an empty view)."""
    now = clock.now()
    with uow:
        member = uow.members.get(program.id, external_id)
        if member is None:
            raise MemberNotFound(external_id)
        row = uow.referral_reports.referrer(member.id, now)
        if row is None:
            return ReferrerView(external_id, member.display_name, 0, 0, 0, 0, 0, (), ())
        (view,) = _referrers(uow, [row], now)
    return view


def void_referral(
    uow: EngagementWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: VoidReferral,
    key: str,
) -> FriendView:
    """An operator voids the referral of ``cmd.member``: both sides' points taken back,
    audited, never paid again; once per ``key``."""
    if not cmd.reason.strip() or len(cmd.reason) > MAX_REASON:
        raise InvalidInput(f"a void needs a reason of 1 to {MAX_REASON} characters", field="reason")
    with uow:
        call = Keyed(program, cmd, key, clock.now())
        return once(uow, call, partial(_void, rulebooks=rulebooks))


def _void(uow: EngagementWork, call: Keyed[VoidReferral], *, rulebooks: Rulebooks) -> FriendView:
    cmd, program = call.command, call.program
    definition = rulebooks.current(uow, program)
    voided = void_referral_in(uow, definition, program, cmd.member, cmd.reason, cmd.actor, call.now)
    return _voided(uow, voided, cmd.member)


def _voided(uow: EngagementWork, voided: Referral, member: str) -> FriendView:
    referrer = uow.members.by_id(voided.referrer_id)
    friend = uow.members.by_id(voided.referee_id)
    return FriendView(
        member=member,
        name=friend.display_name if friend else None,
        referrer=referrer.external_id if referrer else "",
        status=voided.status.value,
        joined_at=voided.created_at,
        converted_at=voided.converted_at,
        order_id=voided.paid.order_id if voided.paid else None,
        points=voided.paid.friend_points if voided.paid else 0,
        referrer_points=voided.paid.referrer_points if voided.paid else 0,
        available_at=voided.paid.available_at if voided.paid else None,
        void_reason=voided.void_reason,
    )


def _referrers(
    uow: EngagementWork, rows: Sequence[ReferrerRow], now: datetime
) -> tuple[ReferrerView, ...]:
    friends = uow.referral_reports.friends([r.member_id for r in rows])
    by_referrer: dict[int, list[FriendRow]] = {}
    for f in friends:
        by_referrer.setdefault(f.referrer_id, []).append(f)
    devices = uow.referral_reports.devices(
        {r.member_id for r in rows} | {f.member_id for f in friends}
    )
    return tuple(_referrer(row, by_referrer.get(row.member_id, []), devices, now) for row in rows)


def _referrer(
    row: ReferrerRow, friends: list[FriendRow], devices: dict[int, set[str]], now: datetime
) -> ReferrerView:
    listed = tuple(
        FriendView(
            member=f.external_id,
            name=f.display_name,
            referrer=row.external_id,
            status=_status(f, now),
            joined_at=f.joined_at,
            converted_at=f.converted_at,
            order_id=f.order_id,
            points=f.friend_points,
            referrer_points=f.referrer_points,
            available_at=f.available_at,
            void_reason=f.void_reason,
        )
        for f in friends
    )
    return ReferrerView(
        member=row.external_id,
        name=row.display_name,
        friends=row.friends,
        converted=row.converted,
        voided=row.voided,
        points=row.points,
        pending=row.pending,
        flags=flags(row.member_id, friends, devices, now),
        listed=listed,
    )


def _status(f: FriendRow, now: datetime) -> str:
    if f.status == "converted":
        return "pending" if f.available_at is not None and f.available_at > now else "paid"
    return f.status


def flags(
    referrer_id: int,
    friends: Sequence[FriendRow],
    devices: dict[int, set[str]],
    now: datetime,
) -> tuple[str, ...]:
    """What looks wrong about one referrer's friends (see the module's docstring)."""
    found = []
    if _shared_device(referrer_id, friends, devices):
        found.append(SHARED_DEVICE)
    keys = Counter(k for f in friends for k in _contact_keys(f))
    if keys and max(keys.values()) >= LOOKALIKE:
        found.append(LOOKALIKE_CONTACTS)
    settled = [
        f
        for f in friends
        if f.status == "converted" and f.converted_at is not None and f.converted_at <= now - QUIET
    ]
    quiet = [f for f in settled if f.orders_count <= 1]
    if len(settled) >= LOOKALIKE and 2 * len(quiet) >= len(settled):
        found.append(NEVER_AGAIN)
    return tuple(found)


def _shared_device(
    referrer_id: int, friends: Sequence[FriendRow], devices: dict[int, set[str]]
) -> bool:
    """Whether a device was used by two of the friends, or by a friend and the referrer."""
    seen = set(devices.get(referrer_id, ()))
    for f in friends:
        mine = devices.get(f.member_id, set())
        if mine & seen:
            return True
        seen |= mine
    return False


def _contact_keys(f: FriendRow) -> Iterable[str]:
    """What a made-up contact keeps of the real one: a phone but its last two digits, an
    email's address without its ``+tag`` and digits."""
    if f.phone and len(f.phone) >= 8:
        yield "phone:" + f.phone[:-2]
    if f.email and "@" in f.email:
        local, _, domain = f.email.lower().partition("@")
        local = re.sub(r"\d+", "", local.split("+", 1)[0]).replace(".", "")
        if local:
            yield f"email:{local}@{domain}"

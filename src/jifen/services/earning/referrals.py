"""Referral pays once: one referrer per referee, ever; never oneself, never in a cycle.

``referral_signed_up`` records who referred the member (the referee): a second sign-up,
under whatever key and naming whichever referrer, is refused (``referee_already_referred``),
as is a referrer whom this member referred, directly or through others
(``mutual_referral``); a member naming
themselves is not another member (``referrer_not_found``). ``referral_converted`` pays only
once the referee has a purchase (an order not wholly refunded; ``referral_not_converted``
before), only for the referrer of the sign-up, and only once
(``referral_already_converted``). A conversion without a sign-up before it records the
referral as the sign-up would. Both members' rows are locked (the referred member
first) before these reads, so two concurrent sign-ups of one member are decided one
after the other; the referee's row in ``referrals`` is its key besides.

A referrer's own caps (``referrer_caps``: per month, year or lifetime, in times or points)
take the referrer's line off a referral that would pass them (``referrer_capped``): the
friend is still paid. What a referral paid is kept on it (``paid``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from jifen.domain.days import start_of
from jifen.domain.earning import (
    ON_PURCHASE,
    ON_SIGN_UP,
    Award,
    EarningProgram,
    Period,
    Skip,
    Skipped,
)
from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import Conflict, RuleViolation
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.challenges import Reached
from jifen.services.earning.ports import EarningWork, ReferralPaid, ReferralStatus
from jifen.services.ledger import Book

SIGNED_UP = ON_SIGN_UP
CONVERTED = ON_PURCHASE
#: how far up a chain of referrers a new link looks for the referee (a cycle)
CHAIN = 64


def check_referral(
    uow: EarningWork,
    program: Program,
    earning: EarningProgram,
    kind: str,
    referee: Book,
    referrer: Book,
    now: datetime,
) -> None:
    """Refuse a referral that would pay twice; record what this one establishes."""
    if kind not in (SIGNED_UP, CONVERTED):
        return
    known = uow.earning.referral_of(referee.member.id)
    if known is not None and (kind == SIGNED_UP or known.referrer_id != referrer.member.id):
        raise Conflict(
            f"member {referee.member.external_id} was referred before",
            code=EarningCode.REFEREE_ALREADY_REFERRED,
            member=referee.member.external_id,
        )
    if known is None:
        _refuse_mutual(uow, referee, referrer)
        uow.earning.add_referral(program.id, referee.member.id, referrer.member.id, now)
    if kind == CONVERTED:
        if earning.purchase_referral is not None:  # the purchase pays it (min_paid, hold)
            raise RuleViolation(
                "the friend's first qualifying purchase pays this referral, as jifen records it",
                code=EarningCode.REFERRAL_PAID_BY_PURCHASE,
                member=referee.member.external_id,
            )
        _convert(uow, referee, converted=known is not None and known.converted, now=now)


def _refuse_mutual(uow: EarningWork, referee: Book, referrer: Book) -> None:
    """The referee may not be among the referrer's referrers: no two members refer each
    other, directly or through others."""
    up, seen = referrer.member.id, 0
    while seen < CHAIN:
        back = uow.earning.referral_of(up)
        if back is None:
            return
        if back.referrer_id != referee.member.id:
            up, seen = back.referrer_id, seen + 1
            continue
        raise RuleViolation(
            f"member {referrer.member.external_id} was referred by"
            f" {referee.member.external_id}: two members cannot refer each other",
            code=EarningCode.MUTUAL_REFERRAL,
            member=referee.member.external_id,
            referrer=referrer.member.external_id,
        )


def _convert(uow: EarningWork, referee: Book, *, converted: bool, now: datetime) -> None:
    who = referee.member.external_id
    known = uow.earning.referral_of(referee.member.id)
    if known is not None and known.status is ReferralStatus.VOIDED:
        raise Conflict(
            f"the referral of member {who} was voided: it never pays",
            code=EarningCode.REFERRAL_VOIDED,
            member=who,
        )
    if converted:
        raise Conflict(
            f"the referral of member {who} has converted and been paid",
            code=EarningCode.REFERRAL_ALREADY_CONVERTED,
            member=who,
        )
    if not uow.earning.has_kept_order(referee.member.id):
        raise RuleViolation(
            f"member {who} has no purchase yet: the referral converts with their first",
            code=EarningCode.REFERRAL_NOT_CONVERTED,
            member=who,
        )


def cap_referrer(
    uow: EarningWork, earning: EarningProgram, award: Award, referrer_id: int, now: datetime
) -> Award:
    """``award`` without the referrer's lines that would pass the referrer's caps."""
    kept, skipped = [], list(award.skipped)
    for line in award.lines:
        rule = earning.rule(line.rule_id)
        if line.beneficiary != "referrer" or rule is None or not rule.referrer_caps:
            kept.append(line)
            continue
        passed = None
        for cap in rule.referrer_caps:
            so_far = uow.earning.referrer_tally(referrer_id, _since(cap.per, now, earning))
            if (cap.max_times is not None and so_far.times + 1 > cap.max_times) or (
                cap.max_points is not None and so_far.points + line.points > cap.max_points
            ):
                passed = cap
                break
        if passed is None:
            kept.append(line)
        else:
            detail = {"per": passed.per.value, "max_times": passed.max_times}
            skipped.append(Skipped(line.rule_id, Skip.REFERRER_CAPPED, detail))
    return Award(tuple(kept), tuple(skipped), award.usage)


def _since(per: Period, now: datetime, earning: EarningProgram) -> datetime | None:
    local = now.astimezone(earning.tz).date()
    if per is Period.MONTH:
        return start_of(date(local.year, local.month, 1), earning.tz)
    if per is Period.YEAR:
        return start_of(date(local.year, 1, 1), earning.tz)
    return None  # lifetime


class Paid(NamedTuple):
    """What an activity paid: the award, and the credits of each side (None: nothing)."""

    award: Award
    member_entry: int | None
    referrer_entry: int | None
    available_at: datetime
    reached: tuple[Reached, ...] = ()  # rounds of challenges it completed
    referrer: Member | None = None  # credited: as they then stand, for the boards

    @property
    def referrer_points(self) -> int:
        return sum(x.points for x in self.award.lines if x.beneficiary == "referrer")


def record_paid(
    uow: EarningWork, referee_id: int, paid: Paid, *, order_id: str | None, now: datetime
) -> None:
    """Keep on the referral what it paid each side, and for which purchase."""
    lines = [x for x in paid.award.lines if x.kind == "referral"]
    uow.earning.convert_referral(
        referee_id,
        ReferralPaid(
            rule_id=lines[0].rule_id if lines else "",
            order_id=order_id,
            friend_entry_id=paid.member_entry,
            referrer_entry_id=paid.referrer_entry,
            friend_points=sum(x.points for x in lines if x.beneficiary == "member"),
            referrer_points=sum(x.points for x in lines if x.beneficiary == "referrer"),
            available_at=paid.available_at,
        ),
        now,
    )

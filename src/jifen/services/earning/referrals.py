"""Referral pays once: one referrer per referee, ever; never oneself, never each other.

``referral_signed_up`` records who referred the member (the referee): a second sign-up,
under whatever key and naming whichever referrer, is refused (``referee_already_referred``),
as is a referrer whom this member referred before (``mutual_referral``); a member naming
themselves is not another member (``referrer_not_found``). ``referral_converted`` pays only
once the referee has a purchase (an order not wholly refunded; ``referral_not_converted``
before), only for the referrer of the sign-up, and only once
(``referral_already_converted``). A conversion without a sign-up before it records the
referral as the sign-up would. Both members' rows are locked (in id order) before these
reads, so two concurrent sign-ups of one member are decided one after the other; the
referee's row in ``referrals`` is its key besides.
"""

from __future__ import annotations

from datetime import datetime

from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import Conflict, RuleViolation
from jifen.domain.programs import Program
from jifen.services.earning.ports import EarningWork
from jifen.services.ledger import Book

SIGNED_UP = "referral_signed_up"
CONVERTED = "referral_converted"


def check_referral(
    uow: EarningWork, program: Program, kind: str, referee: Book, referrer: Book, now: datetime
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
        _convert(uow, referee, converted=known is not None and known.converted, now=now)


def _refuse_mutual(uow: EarningWork, referee: Book, referrer: Book) -> None:
    back = uow.earning.referral_of(referrer.member.id)
    if back is not None and back.referrer_id == referee.member.id:
        raise RuleViolation(
            f"member {referrer.member.external_id} was referred by"
            f" {referee.member.external_id}: two members cannot refer each other",
            code=EarningCode.MUTUAL_REFERRAL,
            member=referee.member.external_id,
            referrer=referrer.member.external_id,
        )


def _convert(uow: EarningWork, referee: Book, *, converted: bool, now: datetime) -> None:
    who = referee.member.external_id
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
    uow.earning.convert_referral(referee.member.id, now)

"""Referral rewards paid by a purchase: the friend's first qualifying one, held through its
return window, taken back when it is refunded in the window, voided by an operator.

- **Paid with the purchase.** The order that makes a referred member's first purchase of
  at least the rule's ``min_paid`` records the ``referral_converted`` activity in its own
  transaction: the rule's conditions, caps, campaign budget and the referrer's caps apply
  as to any activity. Both sides' points are pending until ``hold_days`` after the
  purchase (the return window), or the order's own pending days if longer.
- **Only a purchase that stays.** A refund in the window that leaves the purchase below
  ``min_paid`` takes both sides' points back (whatever of them is left: pending points
  are simply gone) and the referral waits for the next qualifying purchase. After the
  window, a refund leaves the referral as it is.
- **Voided by an operator.** A voided referral's points are taken back on both sides
  (spent ones as the programme's negative-balance policy says), audited, and it never
  pays again.

Nobody else's order reads ``referrals``: the member row says whether theirs waits
(``referral_open``), read with the lock every order takes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from jifen.domain.definition import ProgramDefinition
from jifen.domain.earning import ON_PURCHASE, Order, Rule, RuleKind, Usage, period_key
from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import Conflict, MemberNotFound, NotFound
from jifen.domain.members import MemberStatus
from jifen.domain.programs import Program
from jifen.services import leaderboards
from jifen.services.earning import awards
from jifen.services.earning.activities import pay_activity
from jifen.services.earning.commands import RecordActivity
from jifen.services.earning.ports import EarningWork, OrderRecord, Referral, ReferralStatus
from jifen.services.earning.referrals import Paid, record_paid
from jifen.services.ledger import Book, Reverse, reverse_in


def pay_on_purchase(
    uow: EarningWork, definition: ProgramDefinition, book: Book, order: Order, now: datetime
) -> Paid | None:
    """Convert the referral of ``book``'s member if ``order`` is their first qualifying
    purchase: what it paid (None: nothing). ``book`` keeps the order's own points and
    entries, and is left with the member's balances as they then stand."""
    earning = definition.earning
    rule = earning.purchase_referral
    if rule is None or not book.member.referral_open or order.paid < max(rule.min_paid, 1):
        return None
    known = uow.earning.referral_of(book.member.id)
    if known is None or known.converted:
        return None
    referrer = Book(book.program, uow.members.lock_by_id(known.referrer_id))
    active = referrer.member.status is MemberStatus.ACTIVE
    payload = {"referrer": referrer.member.external_id} if active else {}
    friend = Book(book.program, book.member)  # its own points: the order's are counted
    cmd = RecordActivity(book.member.external_id, ON_PURCHASE, payload, order.placed_at)
    held = order.placed_at + timedelta(days=rule.hold_days)
    paid = pay_activity(
        uow,
        definition,
        friend,
        referrer if active else None,
        cmd,
        order.placed_at,
        now,
        available_at=max(awards.available_from(earning, order.placed_at), held),
    )
    book.member = friend.member
    if not any(x.kind == RuleKind.REFERRAL.value and x.points for x in paid.award.lines):
        return None  # its condition, window, caps or budget paid nothing: it waits on
    record_paid(uow, book.member.id, paid, order_id=order.order_id, now=now)
    return paid


def undo_on_refund(
    uow: EarningWork,
    definition: ProgramDefinition,
    book: Book,
    record: OrderRecord,
    refund_id: str,
    now: datetime,
) -> tuple[int, int]:
    """Take a referral's points back if ``record`` (as refunded now) converted it, the
    refund came in its return window and left the purchase below the rule's ``min_paid``;
    the points taken back from the friend, and from the referrer. ``book`` is left with
    the member's balances as they then stand."""
    if book.member.referral_open:  # still waiting: nothing was paid
        return 0, 0
    known = uow.earning.referral_of(book.member.id)
    if (
        known is None
        or known.status is not ReferralStatus.CONVERTED
        or known.paid is None
        or known.paid.order_id != record.order_id
        or known.paid.available_at <= now
    ):
        return 0, 0
    rule = definition.earning.rule(known.paid.rule_id)
    least = max(rule.min_paid if rule is not None else 0, 1)
    if record.paid - record.refunded >= least:
        return 0, 0
    reason = f"refund {refund_id} of order {record.order_id}: the referral's purchase"
    taken = _take_back(uow, definition, book.program, known, reason, None, now)
    if rule is not None:  # the friend's side counts no more against the rule's caps
        _release_usage(uow, definition, rule, book.member.id, record.placed_at, known)
    uow.earning.reopen_referral(book.member.id)
    book.member = uow.members.lock_by_id(book.member.id)
    return taken


def void_referral_in(
    uow: EarningWork,
    definition: ProgramDefinition,
    program: Program,
    member: str,
    reason: str,
    actor: str,
    now: datetime,
) -> Referral:
    """An operator voids the referral of ``member`` (the friend), in an open unit of work:
    both sides' points taken back, audited; it never pays again. Voiding it twice is
    ``referral_voided``."""
    found = uow.members.get(program.id, member)
    if found is None:
        raise MemberNotFound(member)
    known = uow.earning.referral_of(found.id)
    if known is None:
        raise NotFound(
            f"nobody referred member {member}",
            code=EarningCode.REFERRAL_NOT_FOUND,
            member=member,
        )
    for member_id in (found.id, known.referrer_id):  # the friend first, as an order locks
        uow.members.lock_by_id(member_id)
    known = uow.earning.referral_of(found.id)
    assert known is not None
    if known.status is ReferralStatus.VOIDED:
        raise Conflict(
            f"the referral of member {member} is voided already",
            code=EarningCode.REFERRAL_VOIDED,
            member=member,
        )
    why = f"referral voided: {reason}"
    taken = sum(_take_back(uow, definition, program, known, why, actor, now))
    uow.earning.void_referral(found.id, reason, now)
    detail = {"reason": reason, "referrer_id": known.referrer_id, "points_taken": taken}
    uow.audit.record(program.id, actor, "referral.void", member, detail, now)
    voided = uow.earning.referral_of(found.id)
    assert voided is not None
    return voided


def _release_usage(
    uow: EarningWork,
    definition: ProgramDefinition,
    rule: Rule,
    member_id: int,
    placed_at: datetime,
    known: Referral,
) -> None:
    assert known.paid is not None
    local = placed_at.astimezone(definition.earning.tz)
    keys = [(rule.id, period_key(cap.per, local, rule.campaign)) for cap in rule.caps]
    used = uow.earning.usage(member_id, keys)  # never below nothing
    rows = []
    for rule_id, period in keys:
        u = used.get((rule_id, period), Usage())
        rows.append((rule_id, period, -min(known.paid.friend_points, u.points), -min(1, u.times)))
    uow.earning.add_usage(member_id, [r for r in rows if r[2] or r[3]])


def _take_back(
    uow: EarningWork,
    definition: ProgramDefinition,
    program: Program,
    known: Referral,
    reason: str,
    actor: str | None,
    now: datetime,
) -> tuple[int, int]:
    """Reverse what is left of each side's credit, and take it off each side's boards, in
    the period and place it was scored in (a taken-back referral can win no prize); the
    points taken back from the friend, and from the referrer."""
    taken = [0, 0]
    if known.paid is None:
        return 0, 0
    sides = (known.paid.friend_entry_id, known.paid.referrer_entry_id)
    for side, entry_id in enumerate(sides):
        if entry_id is None:
            continue
        original = uow.ledger.entry(program.id, entry_id)
        assert original is not None, entry_id
        left = original.amount - sum(r.amount for r in uow.ledger.reversals_of(entry_id))
        if left > 0:
            reverse_in(uow, program, Reverse(entry_id, left, reason, actor), now)
            taken[side] = left
    _off_boards(uow, definition, program, known, taken, now)
    return taken[0], taken[1]


def _off_boards(
    uow: EarningWork,
    definition: ProgramDefinition,
    program: Program,
    known: Referral,
    taken: list[int],
    now: datetime,
) -> None:
    """The friend's side was scored with the purchase that paid it (its store, the city the
    friend then had); the referrer's with no store, as they were paid."""
    assert known.paid is not None
    order_id = known.paid.order_id
    record = uow.earning.order(program.id, order_id) if order_id and taken[0] else None
    store = city = None
    if record is not None:
        store = record.snapshot["order"].get("store")
        city = record.snapshot["member"].get("attributes", {}).get("city")
    places = ((known.referee_id, taken[0], store, city), (known.referrer_id, taken[1], None, None))
    for member_id, points, at_store, in_city in places:
        if points:
            who = uow.members.lock_by_id(member_id)  # locked already, by its reversal
            leaderboards.on_scored(
                uow, definition, program, who, now,
                points=-points, store=at_store, city=in_city, at=known.converted_at,
            )  # fmt: skip


def told(paid: Paid) -> dict[str, object]:
    """What an order's answer says of the referral it converted."""
    lines = [x for x in paid.award.lines if x.kind == "referral"]
    return {
        "points": sum(x.points for x in lines if x.beneficiary == "member"),
        "referrer_points": sum(x.points for x in lines if x.beneficiary == "referrer"),
        "available_at": paid.available_at.isoformat(),
    }

"""Refunds: take back what the refunded part of an order earned, rule by rule.

The order is evaluated again, as it stands after every refund so far, with
the programme version and the member's situation *at the time of the order*
(its snapshot). Each rule keeps the smaller of what it awarded and what it
would award now; the difference is clawed back from that rule's lot. So base
points fall in proportion to the money returned, a threshold bonus goes when
the order drops below the threshold, a refund never creates points, and the
campaign budget a clawed-back line used is given back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from jifen.domain import ledger
from jifen.domain.earning import (
    Award,
    Context,
    Order,
    Refund,
    Usage,
    evaluate_order,
    remaining_after,
)
from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import InvalidInput, NotFound
from jifen.domain.money import to_minor
from jifen.domain.programs import Program
from jifen.services import challenges, leaderboards
from jifen.services.earning import awards, referral_rewards
from jifen.services.earning.commands import RefundOrder
from jifen.services.earning.order_data import NAME, order_from_json
from jifen.services.earning.ports import EarningWork, OrderRecord, RefundRecord
from jifen.services.earning.views import EarnResult, earn_result
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book, clawback_parts, reversed_by_lot, settled
from jifen.services.ports import Clock, KeyScope
from jifen.services.rulebooks import Rulebooks
from jifen.services.tiers import count_activity


def refund_order(
    uow: EarningWork, clock: Clock, rulebooks: Rulebooks, program: Program, cmd: RefundOrder
) -> EarnResult:
    if not NAME.match(cmd.refund_id):
        raise InvalidInput("refund_id must be 1-128 letters, digits or ._:/#-", field="refund_id")
    with uow:
        call = Keyed(program, cmd, f"refund:{cmd.refund_id}", clock.now(), scope=KeyScope.JIFEN)
        return once(uow, call, partial(_refund_order, rulebooks=rulebooks))


def _refund_order(
    uow: EarningWork, call: Keyed[RefundOrder], *, rulebooks: Rulebooks
) -> EarnResult:
    program, cmd, now = call.program, call.command, call.now
    book = Book(program, uow.members.lock_by_id(_order(uow, program, cmd).member_id))
    # read again now that its member is held: a refund of it (or a double moved from it)
    # that committed while this one waited for the member is in it
    record = _order(uow, program, cmd)
    account = settled(uow, book, now)
    refund = _refund(cmd, record, program.currency)
    earlier = uow.earning.refunds_of(record.pk)
    remaining = _remaining(record, earlier, refund)  # refuses over-refunds
    claw, now_worth = owed(uow, rulebooks, program, record, remaining, record.snapshot)
    entry_id = None
    if claw and record.entry_id is not None:
        entry_id = _reverse(uow, book, account, record, claw, refund, now)
    rules = rulebooks.version(uow, program, record.version)
    reason = f"refund {refund.refund_id} of order {record.order_id}: a challenge's purchase"
    progressed = challenges.on_refund(
        uow, rules, book, record.challenges, remaining, record.snapshot["member"], reason, now
    )
    if progressed.added != record.challenges:
        uow.earning.set_order_challenges(record.pk, progressed.added)
    undone = sum(r.points for r in progressed.reached)
    fully = record.refunded < record.paid <= record.refunded + refund.amount
    count_activity(
        uow, rules.tiers, book, record.placed_at, now,
        spend=-refund.amount, points=-sum(claw.values()) - undone, orders=-1 if fully else 0,
    )  # fmt: skip
    kept = RefundRecord(refund.refund_id, refund.amount, list(refund.lines), entry_id)
    uow.earning.add_refund(program.id, record.pk, kept, now)
    after = replace(record, refunded=record.refunded + refund.amount)
    taken = referral_rewards.undo_on_refund(uow, rules, book, after, refund.refund_id, now)
    meta = {"order": record.order_id, **book.meta, "by_rule": claw}
    if sum(taken):  # off both sides' boards too, with its reversal
        meta["referral_taken_back"] = sum(taken)
    if progressed.reached:  # rounds of challenges it undid: their rewards taken back
        meta["challenges_taken_back"] = [r.told() for r in progressed.reached]
    # last: after every member row the refund locks. What the order scored comes off the
    # board of its own period, in the place it counted (the city as it was then); each
    # reward it undid, off the period its round was done in
    store = record.snapshot["order"].get("store")
    city = record.snapshot["member"].get("attributes", {}).get("city")
    leaderboards.on_scored(
        uow, rules, program, book.member, now,
        points=-sum(claw.values()), store=store, city=city,
        at=record.created_at or record.placed_at,
    )  # fmt: skip
    for undid in progressed.reached:
        leaderboards.on_scored(
            uow, rules, program, book.member, now,
            points=-undid.points, challenges=-1, store=store, city=city, at=undid.at,
        )  # fmt: skip
    view = awards.view(now_worth, rules.earning.version)
    return earn_result(book, refund.refund_id, view, now, meta)


def _order(uow: EarningWork, program: Program, cmd: RefundOrder) -> OrderRecord:
    record = uow.earning.order(program.id, cmd.order_id)
    if record is None:
        raise NotFound(
            f"order {cmd.order_id} not found", code=EarningCode.ORDER_NOT_FOUND, order=cmd.order_id
        )
    return record


def _refund(cmd: RefundOrder, record: OrderRecord, currency: str) -> Refund:
    if cmd.full:
        if cmd.amount is not None or cmd.lines:
            raise InvalidInput("a full refund takes no amount or lines", field="full")
        lines = tuple((x["sku"], x["quantity"]) for x in record.snapshot["order"]["lines"])
        return Refund(cmd.refund_id, record.order_id, record.paid - record.refunded, lines)
    if cmd.amount is None:
        raise InvalidInput("a refund needs an amount (or full: true)", field="amount")
    amount = to_minor(cmd.amount, currency, field="amount")
    if amount == 0 and not cmd.lines:
        raise InvalidInput("a refund returns some money or some lines", field="amount")
    return Refund(cmd.refund_id, record.order_id, amount, tuple(cmd.lines))


def _remaining(record: OrderRecord, earlier: list[RefundRecord], refund: Refund) -> Order:
    """The order as it stands after every refund so far and this one."""
    original = order_from_json(record.snapshot["order"])
    before = [Refund(r.refund_id, record.order_id, r.amount, tuple(r.lines)) for r in earlier]
    return remaining_after(original, [*before, refund])


def owed(
    uow: EarningWork,
    rulebooks: Rulebooks,
    program: Program,
    record: OrderRecord,
    remaining: Order,
    snap: dict[str, Any],
) -> tuple[dict[str, int], Award]:
    """Per rule, what the order owes back if it is ``remaining`` judged on ``snap``; and
    what it is worth so. A rule never gains: each keeps the smaller of the two."""
    earning = rulebooks.version(uow, program, record.version).earning
    ctx = Context(
        now=remaining.placed_at.astimezone(earning.tz),
        member=snap["member"],
        tier=snap["tier"],
        usage={(r, k): Usage(p, t) for r, k, p, t in snap["usage"]},
    )
    again = evaluate_order(earning, remaining, ctx)
    given = granted(record.award)
    taken = _taken(uow, record)
    claw = {}
    for rule, points in given.items():
        keep = min(again.points_of(rule), points)
        due = points - taken.get(rule, 0) - keep
        if due > 0:
            claw[rule] = due
    return claw, again


def granted(award: dict[str, Any]) -> dict[str, int]:
    """Per rule, the points an order's stored award gave its member."""
    granted: dict[str, int] = {}
    for line in award["lines"]:
        if line["beneficiary"] == "member":
            granted[line["rule_id"]] = granted.get(line["rule_id"], 0) + line["points"]
    return granted


def _taken(uow: EarningWork, record: OrderRecord) -> dict[str, int]:
    """Per rule, what earlier refunds already clawed back."""
    if record.entry_id is None:
        return {}
    rule_of = {lot.id: rule for lot, rule in uow.ledger.lots_of(record.entry_id)}
    done = reversed_by_lot(uow.ledger.reversals_of(record.entry_id))
    taken: dict[str, int] = {}
    for lot_id, n in done.items():
        rule = rule_of.get(lot_id) or ""
        taken[rule] = taken.get(rule, 0) + n
    return taken


def _reverse(
    uow: EarningWork,
    book: Book,
    account: ledger.Account,
    record: OrderRecord,
    claw: dict[str, int],
    refund: Refund,
    now: datetime,
) -> int:
    reason = f"refund {refund.refund_id} of order {record.order_id}"
    meta = {"refund": refund.refund_id, "order": record.order_id}
    return reverse_rules(uow, book, account, record, claw, now, reason, meta)


def reverse_rules(
    uow: EarningWork,
    book: Book,
    account: ledger.Account,
    record: OrderRecord,
    claw: dict[str, int],
    now: datetime,
    reason: str,
    meta: dict[str, Any],
) -> int:
    """Take ``claw`` (points per rule) back from the order's entry, by one appended
    reversal, and give the campaign budgets back what those lines spent; its entry id."""
    assert record.entry_id is not None
    original = uow.ledger.entry(book.program.id, record.entry_id)
    assert original is not None
    earlier = uow.ledger.reversals_of(original.id)
    parts = clawback_parts(uow, original, earlier, per_rule=claw)
    book.apply(
        uow,
        ledger.reverse_credit(
            account,
            original,
            parts,
            now=now,
            policy=book.program.policy,
            reason=reason,
            meta=meta,
        ),
        now,
    )
    entry_id = book.entry_ids[-1]
    unreturned = dict(claw)
    for campaign, rule, shard, spent in uow.earning.spends_of(record.entry_id):
        back = min(unreturned.get(rule, 0), spent)
        if back > 0:
            uow.earning.give_back(book.program.id, campaign, shard, back)
            uow.earning.record_spend(record.entry_id, campaign, rule, shard, -back)
            unreturned[rule] -= back
    return entry_id

"""Orders: earn on a purchase, or simulate it; every point explained."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jifen.domain import ledger
from jifen.domain.earning.engine import Context, evaluate_order
from jifen.domain.earning.member_vars import member_vars
from jifen.domain.earning.orders import Order, OrderLine
from jifen.domain.errors import InvalidInput
from jifen.domain.ledger import EntryKind, LotSource
from jifen.domain.members import Balances, Member, MemberStatus
from jifen.domain.money import to_minor
from jifen.domain.programs import Program
from jifen.services import awards, tiers
from jifen.services.commands import PlaceOrder
from jifen.services.idempotency import once
from jifen.services.ports import Clock, Compiler, NewOrderRecord, UnitOfWork
from jifen.services.posting import Book, lock_member
from jifen.services.results import AwardView, EarnResult
from jifen.services.rulebooks import Rulebooks

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$")
CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def record_order(
    uow: UnitOfWork, clock: Clock, rulebooks: Rulebooks, program: Program, cmd: PlaceOrder
) -> EarnResult:
    """Award the points of one order, once: the order id is the idempotency key."""
    now = clock.now()
    order = to_order(cmd, program.currency, now)
    with uow:
        return record_order_in(uow, rulebooks, program, cmd, order, now)


def record_order_in(
    uow: UnitOfWork,
    rulebooks: Rulebooks,
    program: Program,
    cmd: PlaceOrder,
    order: Order,
    now: datetime,
    *,
    commit: bool = True,
    print_: str | None = None,
) -> EarnResult:
    """``record_order`` inside an open unit of work; ``commit=False`` leaves it open.

    ``order`` is ``to_order(cmd, ...)``, validated by the caller; ``print_`` is
    ``fingerprint(cmd)`` if the caller has it.
    """

    def work() -> EarnResult:
        definition = rulebooks.current(uow, program)
        earning = definition.earning
        book = Book(program, lock_member(uow, program, cmd.member))
        book.member.require_active()
        award, snapshot = _evaluate(uow, earning, book.member, order)
        expires = awards.expiry_of(earning, order.placed_at, book.member.tier)
        if expires is not None and expires <= now:
            award = awards.expired_before_recorded(award)  # legacy: credit nothing
        award, spends = awards.take_budgets(uow, program, earning, award, book.member.id)
        entry_id = _credit(uow, book, award, order, earning, now, expires)
        for campaign, rule, shard, points in spends:
            assert entry_id is not None, "a budget is only taken for points credited"
            uow.earning.record_spend(entry_id, campaign, rule, shard, points)
        uow.earning.add_usage(book.member.id, awards.usage_rows(award))
        tiers.count_activity(
            uow, definition.tiers, book, order.placed_at, now,
            spend=order.paid, points=book.points, orders=1,
        )  # fmt: skip
        uow.earning.add_order(  # and counts it on the member
            NewOrderRecord(
                program.id,
                book.member.id,
                order.order_id,
                earning.version,
                order.placed_at,
                order.paid,
                entry_id,
                snapshot,
                awards.award_json(award),
                now,
            )
        )
        return book.earn_result(order.order_id, awards.view(award, earning.version), now)

    key = order_key(order.order_id)
    return once(uow, program.id, key, cmd, now, EarnResult, work, commit=commit, print_=print_)


def order_key(order_id: str) -> str:
    """An order's idempotency key: its order id."""
    return f"order:{order_id}"


def simulate_order(
    uow: UnitOfWork, clock: Clock, rulebooks: Rulebooks, program: Program, cmd: PlaceOrder
) -> AwardView:
    """The same computation as record_order, as a dry run: nothing is written."""
    order = to_order(cmd, program.currency, clock.now())
    with uow:
        earning = rulebooks.current(uow, program).earning
        member = lock_member(uow, program, cmd.member)
        award, _ = _evaluate(uow, earning, member, order)
        return awards.view(awards.budget_preview(uow, program, earning, award), earning.version)


def _evaluate(
    uow: UnitOfWork,
    earning: Any,
    member: Member,
    order: Order,
) -> tuple[Any, dict[str, Any]]:
    local = order.placed_at.astimezone(earning.tz)
    keys = awards.cap_keys(earning, local)
    usage = uow.earning.usage(member.id, keys)
    variables = member_vars(member, local, earning.currency)
    ctx = Context(now=local, member=variables, tier=member.tier, usage=usage)
    snapshot = {
        "member": variables,
        "tier": member.tier,
        "usage": [[rule, key, u.points, u.times] for (rule, key), u in usage.items()],
        "order": order_json(order),
    }
    return evaluate_order(earning, order, ctx), snapshot


def _credit(
    uow: UnitOfWork,
    book: Book,
    award: Any,
    order: Order,
    earning: Any,
    now: datetime,
    expires: datetime | None,
) -> int | None:

    lines = awards.member_lines(award)
    if not lines:
        return None
    book.apply(
        uow,
        ledger.credit_parts(
            ledger.Account(book.member, ()),
            [(x.points, x.rule_id) for x in lines],
            kind=EntryKind.EARN,
            source=LotSource.ORDER,
            now=now,
            available_at=max(awards.available_from(earning, order.placed_at), now),
            expires_at=expires,
            reference=order.order_id,
            version=earning.version,
            # enough to tell the member why: "Order 1042 at Store 3: base 100, Gold x1.5 50"
            meta={
                "order": order.order_id,
                "store": order.store,
                "lines": [[x.rule_id, x.points] for x in lines],
            },
        ),
        now,
    )
    return book.entry_ids[-1]


def to_order(cmd: PlaceOrder, currency: str, now: datetime) -> Order:
    if not NAME.match(cmd.order_id):
        raise InvalidInput("order_id must be 1-128 letters, digits or ._:/#-", field="order_id")
    if not CHANNEL.match(cmd.channel):
        raise InvalidInput(
            "channel must be a lower-case word such as store, online, app", field="channel"
        )
    if cmd.points_paid < 0:
        raise InvalidInput("points_paid cannot be negative", field="points_paid")
    lines = []
    for i, line in enumerate(cmd.lines):
        if line.quantity <= 0:
            raise InvalidInput(
                "quantity must be a positive whole number", field=f"lines.{i}.quantity"
            )
        lines.append(
            OrderLine(
                sku=line.sku,
                quantity=line.quantity,
                category=line.category,
                unit_price=to_minor(line.unit_price, currency, field=f"lines.{i}.unit_price"),
                tags=frozenset(line.tags),
                discount=to_minor(line.discount, currency, field=f"lines.{i}.discount"),
            )
        )
    placed = cmd.placed_at or now
    if placed.tzinfo is None:
        raise InvalidInput("placed_at needs a timezone offset", field="placed_at")
    return Order(
        order_id=cmd.order_id,
        member=cmd.member,
        placed_at=placed,
        paid=to_minor(cmd.paid, currency, field="paid"),
        lines=tuple(lines),
        channel=cmd.channel,
        store=cmd.store,
        discount=to_minor(cmd.discount, currency, field="discount"),
        points_paid=cmd.points_paid,
        attributes=dict(cmd.attributes),
    )


def order_json(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "member": order.member,
        "placed_at": order.placed_at.isoformat(),
        "paid": order.paid,
        "channel": order.channel,
        "store": order.store,
        "discount": order.discount,
        "points_paid": order.points_paid,
        "attributes": dict(order.attributes),
        "lines": [
            {
                "sku": x.sku,
                "quantity": x.quantity,
                "unit_price": x.unit_price,
                "category": x.category,
                "tags": sorted(x.tags),
                "discount": x.discount,
            }
            for x in order.lines
        ],
    }


def order_from_json(data: dict[str, Any]) -> Order:
    return Order(
        order_id=data["order_id"],
        member=data["member"],
        placed_at=datetime.fromisoformat(data["placed_at"]),
        paid=data["paid"],
        channel=data["channel"],
        store=data["store"],
        discount=data["discount"],
        points_paid=data["points_paid"],
        attributes=dict(data["attributes"]),
        lines=tuple(
            OrderLine(
                x["sku"],
                x["quantity"],
                x["unit_price"],
                x["category"],
                frozenset(x["tags"]),
                x["discount"],
            )
            for x in data["lines"]
        ),
    )


@dataclass(frozen=True)
class Preview:
    """One sample order under the published rules and under a draft, side by side."""

    published: AwardView
    draft: AwardView
    rows: tuple[tuple[str, int, int], ...]  # (rule, published points, draft points)


def preview_order(
    uow: UnitOfWork,
    clock: Clock,
    compiler: Compiler,
    rulebooks: Rulebooks,
    program: Program,
    draft_source: str,
    cmd: PlaceOrder,
) -> Preview:
    """What ``cmd`` earns now and what it would earn under ``draft_source``; writes nothing.

    The member is ``cmd.member`` if it names one, else a member who has just joined.
    A draft that does not validate raises its error, with the line, as publishing would.
    """
    draft = compiler(draft_source, "draft", 0)
    if draft.program.code != program.code:
        raise InvalidInput(
            f"this file is for programme {draft.program.code}, not {program.code}",
            code="program_code_mismatch",
            field="program.code",
        )
    now = clock.now()
    order = to_order(cmd, program.currency, now)
    with uow:
        published = rulebooks.current(uow, program).earning
        found = uow.members.get(program.id, cmd.member) if cmd.member else None
        member = found or Member(
            0, program.id, "preview", MemberStatus.ACTIVE, Balances(0, 0, 0), now, now
        )
        views = []
        for earning in (published, draft.earning):
            award, _ = _evaluate(uow, earning, member, order)
            views.append(awards.view(award, earning.version))
    before, after = views
    rules = list(
        dict.fromkeys([x.rule_id for x in before.lines] + [x.rule_id for x in after.lines])
    )
    rows = tuple(
        (
            rule,
            sum(x.points for x in before.lines if x.rule_id == rule),
            sum(x.points for x in after.lines if x.rule_id == rule),
        )
        for rule in rules
    )
    return Preview(before, after, rows)

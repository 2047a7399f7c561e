"""Orders in batches: many orders in one transaction, each keeping its own outcome.

``record_orders_in`` records a batch as ``record_order`` records each of its orders,
in order, on a ``WriteBehind`` unit of work (see ``write_behind``): the batch's
members are locked and its order ids claimed in one statement each, and what the
orders write is written a table at a time. Orders that cannot be recorded at all (an
order id used for other details, a member unknown or blocked) are found first and
touch nothing. An import's batch and the server's grouped commits (``group_commit``)
both write this way.

``record_orders`` is the safe form: the batch at once inside a savepoint, or, if
that fails, order by order, each in its own savepoint, so that one order's refusal
never fails its neighbours. Neither commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from jifen.domain.challenges import round_of
from jifen.domain.definition import ProgramDefinition
from jifen.domain.earning import EarningProgram, Order, week_span
from jifen.domain.errors import IdempotencyConflict, JifenError, MemberNotFound, Unavailable
from jifen.domain.leaderboards import period_of
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.earning.awards import cap_keys
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.orders import order_key, record_order_in
from jifen.services.earning.ports import BatchAsk, BatchStart, EarningWork
from jifen.services.earning.views import EarnResult
from jifen.services.earning.write_behind import WriteBehind
from jifen.services.idempotency import Keyed, fingerprint, replayed
from jifen.services.ports import KeyScope, StoredResponse
from jifen.services.rulebooks import Rulebooks

#: What recording an order came to: its result, or why it was not recorded
Outcome = EarnResult | JifenError


@dataclass(frozen=True)
class CheckedOrder:
    """An order as sent (``cmd``) and as checked at the edge (``to_order``)."""

    cmd: PlaceOrder
    order: Order


def record_orders(
    uow: EarningWork,
    rulebooks: Rulebooks,
    program: Program,
    items: Sequence[CheckedOrder],
    now: datetime,
) -> list[Outcome | Exception]:
    """Each order's outcome, in order, written in the open ``uow`` (not committed).

    The batch is written at once in a savepoint; if that fails, it is undone and every
    order is written alone in a savepoint of its own, so an order that fails (an
    unexpected error included, returned as its outcome) fails alone.
    """
    try:
        with uow.savepoint():
            return list(record_orders_in(uow, rulebooks, program, items, now))
    except Unavailable:  # the database is gone: no order would do better alone
        raise
    except Exception:
        return record_each(uow, rulebooks, program, items, now)


def record_each(
    uow: EarningWork,
    rulebooks: Rulebooks,
    program: Program,
    items: Sequence[CheckedOrder],
    now: datetime,
) -> list[Outcome | Exception]:
    """Each order alone in a savepoint of its own (not committed): what a batch that
    failed whole comes to, order by order."""
    return [_alone(uow, rulebooks, program, item, now) for item in items]


def _alone(
    uow: EarningWork, rulebooks: Rulebooks, program: Program, item: CheckedOrder, now: datetime
) -> Outcome | Exception:
    try:
        with uow.savepoint():
            call = Keyed(
                program, item.cmd, order_key(item.order.order_id), now, scope=KeyScope.JIFEN
            )
            return record_order_in(uow, rulebooks, call, item.order, commit=False)
    except Unavailable:
        raise
    except Exception as exc:
        return exc


def record_orders_in(
    uow: EarningWork,
    rulebooks: Rulebooks,
    program: Program,
    items: Sequence[CheckedOrder],
    now: datetime,
    *,
    commit: bool = False,
) -> list[Outcome]:
    """Every order of a batch, in order, as ``record_order`` would record them one by one.

    An exception means the batch is to be undone whole (the caller's savepoint, or its
    transaction). ``commit``: the batch's writes are sent with the commit (one round
    trip on PostgreSQL), and the outcomes stand once this returns."""
    keys = [order_key(x.order.order_id) for x in items]
    prints = [fingerprint(x.cmd) for x in items]
    guess = rulebooks.last(program)  # the rules as last read: what to read for them
    start = _start(uow, program, guess, items, keys, prints, now)
    outcomes: list[Outcome | None] = []
    for item, key, sent in zip(items, keys, prints, strict=True):
        member = start.members.get(item.cmd.member)
        outcomes.append(_settled_early(start.stored.get(key), member, item, key, sent))
    todo = [i for i, x in enumerate(outcomes) if x is None]
    claims: dict[str, str] = {}
    for i in todo:
        claims.setdefault(keys[i], prints[i])
    claimed = start.claimed
    if len(claimed) < len(claims):  # taken since they were read: by a concurrent writer
        taken = uow.idempotency.stored_many(program.id, set(claims) - claimed)
        for i in [i for i in todo if keys[i] in taken]:
            outcomes[i] = _settled_early(taken[keys[i]], None, items[i], keys[i], prints[i])
        todo = [i for i in todo if keys[i] in claimed]
    wb = WriteBehind(uow, program.id)
    wb.know_members(start.members)
    wb.know_keys({k: claims[k] for k in claimed})
    wb.expect_entries(len(todo))
    wb.know_entry_ids(start.entry_ids)
    wb.version = start.version
    batch: EarningWork = wb  # mypy proves it: every repository the order path may use
    definition = rulebooks.current(batch, program)
    _know_for_rules(wb, definition, guess, start, [items[i] for i in todo], now)
    for i in todo:
        try:
            cmd, order = items[i].cmd, items[i].order
            call = Keyed(program, cmd, keys[i], now, prints[i], KeyScope.JIFEN)
            outcomes[i] = record_order_in(batch, rulebooks, call, order, commit=False)
        except IdempotencyConflict as exc:  # the same order id twice, for other details
            outcomes[i] = exc
    if commit:
        uow.commit_with(wb.flush)
    else:
        wb.flush()
    done = [x for x in outcomes if x is not None]
    assert len(done) == len(items), "every order has its outcome"
    return done


def _start(
    uow: EarningWork,
    program: Program,
    guess: ProgramDefinition | None,
    items: Sequence[CheckedOrder],
    keys: list[str],
    prints: list[str],
    now: datetime,
) -> BatchStart:
    """The batch's reads, claims and locks in one go, with what ``guess`` (the rules as
    last read) needs read: usage, weeks' first orders, months."""
    owners: dict[str, tuple[str, str]] = {}
    for item, key, sent in zip(items, keys, prints, strict=True):
        owners.setdefault(key, (sent, item.cmd.member))
    every = range(len(items))
    return uow.earning.start_batch(
        BatchAsk(
            program_id=program.id,
            keys=owners,
            members={x.cmd.member for x in items},
            usage=set() if guess is None else _caps(guess.earning, items, every),
            spans=set() if guess is None else _weeks(guess.earning, items, every),
            months=guess is not None and bool(guess.tiers),
            entries=len(items) if guess is None else _entries(guess, items),
            now=now,
            challenges=set() if guess is None else _rounds(guess, items),
            boards=set() if guess is None else _periods(guess, now),
        )
    )


def _rounds(definition: ProgramDefinition, items: Sequence[CheckedOrder]) -> set[tuple[str, str]]:
    """(challenge, round) of the order challenges each order may move."""
    tz = definition.earning.tz
    return {
        (c.id, round_of(c, local))
        for item in items
        for local in (item.order.placed_at.astimezone(tz),)
        for c in definition.challenges.values()
        if c.on_orders and c.window.contains(local)
    }


def _entries(definition: ProgramDefinition, items: Sequence[CheckedOrder]) -> int:
    """Entry ids the batch may write: each order's credit, and a reward for each challenge
    with points it may complete (reserved with the batch's first read, so that paying one
    does not wait on a read of its own; an id not used is a gap, as a rollback leaves)."""
    paying = [c for c in definition.challenges.values() if c.on_orders and c.points]
    if not paying:
        return len(items)
    tz = definition.earning.tz
    return sum(
        1 + sum(1 for c in paying if c.window.contains(item.order.placed_at.astimezone(tz)))
        for item in items
    )


def _periods(definition: ProgramDefinition, now: datetime) -> set[tuple[str, str]]:
    """(board, period) of every board, as of ``now``: where the batch's scores go."""
    local = now.astimezone(definition.earning.tz)
    return {(b.id, period_of(b, local)) for b in definition.leaderboards.values()}


def _know_for_rules(
    wb: WriteBehind,
    definition: ProgramDefinition,
    guess: ProgramDefinition | None,
    start: BatchStart,
    todo: Sequence[CheckedOrder],
    now: datetime,
) -> None:
    """Tell the batch what the rules need of its orders to record: read by ``start``
    if its guess was right, read now if not (a first batch, or the rules changed)."""
    earning = definition.earning
    ids = {m.external_id: m.id for m in start.members.values()}
    every = range(len(todo))
    usage = {(ids[m], r, k) for m, r, k in _caps(earning, todo, every)}
    spans = {(ids[m], a, b) for m, a, b in _weeks(earning, todo, every)}
    members = {ids[x.cmd.member] for x in todo}
    if guess is not None and guess.earning.version == start.version:
        if start.progress is not None:
            rounds = _rounds(definition, todo)
            wb.know_progress({(m, c, r) for m in members for c, r in rounds}, start.progress)
        if start.scores is not None:
            periods = _periods(definition, now)
            wb.know_scores({(m, b, p) for m in members for b, p in periods}, start.scores)
        wb.know_usage(usage, start.usage)
        wb.know_firsts({s: start.firsts.get(s) for s in spans})
        if definition.tiers:
            wb.know_months({m: start.months.get(m, {}) for m in members})
        return
    wb.know_usage(usage, wb.inner.earning.usage_of(usage))
    firsts = wb.inner.earning.firsts_in(spans)
    wb.know_firsts({s: firsts.get(s) for s in spans})
    if definition.tiers:
        months = wb.inner.tiers.months_of(members)
        wb.know_months({m: months.get(m, {}) for m in members})


def _caps(
    earning: EarningProgram, items: Sequence[CheckedOrder], which: Iterable[int]
) -> set[tuple[str, str, str]]:
    """(member, rule, period) of the capped rules each order ``which`` may use."""
    return {
        (items[i].cmd.member, rule, period)
        for i in which
        for rule, period in cap_keys(earning, items[i].order.placed_at.astimezone(earning.tz))
    }


def _weeks(
    earning: EarningProgram, items: Sequence[CheckedOrder], which: Iterable[int]
) -> set[tuple[str, datetime, datetime]]:
    """(member, start, end) of the week of each order ``which``."""
    return {
        (items[i].cmd.member, *week_span(items[i].order.placed_at.astimezone(earning.tz)))
        for i in which
    }


def _settled_early(
    stored: StoredResponse | None, member: Member | None, item: CheckedOrder, key: str, sent: str
) -> Outcome | None:
    """A replay, or why the order cannot be recorded; None: it is to be recorded."""
    try:
        if stored is not None:
            return replayed(stored, sent, key, EarnResult)
        if member is None:
            raise MemberNotFound(item.cmd.member)
        member.require_active()
    except JifenError as exc:  # IdempotencyConflict among them: the id, for other details
        return exc
    return None

"""Two server processes writing for the same member at once decide each write on what the
other committed: whatever waited for the member's lock reads after the wait.

Orders:

Fresh market: 1 point a yuan, doubled on the member's first order of the week. Process A
records an order and holds the member until it commits; process B's order arrives
meanwhile and waits for the member. Once A commits, B's order is the week's second: it
earns no double. (On PostgreSQL the first read of a batch once locked the members and
read everything else in one statement, whose snapshot was taken before the wait: B's
order earned the double too, points minted under concurrency.)

Budgets: two processes' groups of orders (different members) drawing at once on a campaign
whose budget runs out. Each group is one transaction and may take from the budget once an
order; it locks the budget's shards in order from the first, so the groups wait for each
other and never deadlock. (A group took its first share from any free shard, out of order,
and walked the shards in order once that shard ran dry: two groups each held the shard the
other waited for, one was undone by the deadlock and redone order by order.)

Refunds: two partial refunds of one order that together return all of it, one sent to
each process. The second to get the member knows the first: the order counts no more in
its month's purchases. (The refund read the order before it locked the member: neither
refund saw the other's, and the fully refunded order still counted as a purchase, which
a tier that qualifies on purchases counts.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import event, text

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.programs import Program
from jifen.services.earning import orders, refunds
from jifen.services.earning.commands import PlaceOrder, RefundOrder
from jifen.services.earning.order_batches import CheckedOrder, record_orders_in
from jifen.services.earning.order_data import to_order
from tests.earning_fixtures import ROOT, join, line, publish
from tests.factories import FakeClock, assert_verified, balances

MILK = line("milk", 1, "10.00", "dairy")


def _checked(jf: Jifen, program: Program, order_id: str) -> CheckedOrder:
    cmd = PlaceOrder(order_id, "C-1", "10.00", (MILK,))
    return CheckedOrder(cmd, to_order(cmd, program.currency, jf.clock.now(), jf.clock_skew))


def _wait_until_blocked(jf: Jifen, finished: Callable[[], bool], waiting: int = 1) -> None:
    """Until ``waiting`` writers wait for a lock (PostgreSQL) or, on SQLite, a moment
    (a BEGIN IMMEDIATE waits for the write lock; nothing there to watch); none of them
    may have ``finished`` meanwhile."""
    if jf.engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 20
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    while True:
        with jf.engine.connect() as conn:
            if conn.execute(query).scalar_one() >= waiting:
                return
        assert not finished(), "a writer finished before the member was let go"
        assert time.monotonic() < deadline, "the other writer never waited for the member"
        time.sleep(0.02)


def test_an_order_that_waited_for_its_member_is_decided_on_what_was_committed_meanwhile(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    other = bootstrap(Settings(database_url=jf.settings.database_url), clock=clock)
    try:
        other.orders.submit(program, PlaceOrder("warm-up", "nobody", "10.00", (MILK,))).exception(
            30
        )  # the other process has read the rules: its next batch reads in one go
        with jf.uow() as uow:  # process A: its order recorded, the member held
            (first,) = record_orders_in(
                uow, jf.rulebooks, program, [_checked(jf, program, "A-1")], jf.clock.now()
            )
            answer = other.orders.submit(program, PlaceOrder("B-1", "C-1", "10.00", (MILK,)))
            _wait_until_blocked(jf, answer.done)
            uow.commit()
        second = answer.result(30)
    finally:
        other.close()
    assert first.points == 20  # 10 and the week's double
    assert second.points == 10, second.award  # the week's second order: no double
    assert balances(jf, program, "C-1") == (30, 0, 0)
    assert_verified(jf)


def _at_once(program: Program, member: str, apps: tuple[Jifen, Jifen]) -> list[int]:
    """The points of two orders of ``member``, one sent to each process at the same time."""
    start = threading.Barrier(2)
    found: list[int] = []

    def send(app: Jifen, order_id: str) -> None:
        start.wait(10)
        cmd = PlaceOrder(order_id, member, "10.00", (MILK,))
        found.append(app.orders.submit(program, cmd).result(30).points)

    threads = [
        threading.Thread(target=send, args=(app, f"{member}-{n}")) for n, app in enumerate(apps)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(found)


def test_racing_writers_pay_one_double_a_week_for_each_member(jf: Jifen, clock: FakeClock) -> None:
    """The same, unarranged: two processes, each member's two orders sent at once."""
    program = publish(jf)
    people = [join(jf, program, f"C-{n}") for n in range(1, 13)]
    other = bootstrap(Settings(database_url=jf.settings.database_url), clock=clock)
    try:
        answers = [_at_once(program, member, (jf, other)) for member in people]
    finally:
        other.close()
    assert answers == [[10, 20]] * len(people)
    assert_verified(jf)


def test_two_refunds_that_return_all_of_an_order_leave_it_out_of_the_months_purchases(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    two = line("milk", 2, "10.00", "dairy")
    orders.record_order(
        jf.uow(), jf.clock, jf.rulebooks, program, PlaceOrder("O-1", "C-1", "20.00", (two,))
    )
    other = bootstrap(Settings(database_url=jf.settings.database_url), clock=clock)
    found: list[int] = []

    def refund(app: Jifen, refund_id: str) -> None:
        cmd = RefundOrder(refund_id, "O-1", amount="10.00", lines=(("milk", 1),))
        found.append(refunds.refund_order(app.uow(), app.clock, app.rulebooks, program, cmd).points)

    try:
        with jf.engine.connect() as holder, holder.begin():  # the member held a moment
            if jf.engine.dialect.name == "postgresql":  # (SQLite: BEGIN IMMEDIATE holds all)
                holder.execute(text("SELECT id FROM members WHERE external_id = 'C-1' FOR UPDATE"))
            threads = [
                threading.Thread(target=refund, args=(app, f"R-{n}"))
                for n, app in enumerate((jf, other))
            ]
            for t in threads:
                t.start()
            _wait_until_blocked(jf, lambda: not any(t.is_alive() for t in threads), waiting=2)
        for t in threads:
            t.join(60)
    finally:
        other.close()
    assert sorted(found) == [-20, -20]  # each half of the order's 40 (20 and the double)
    with jf.engine.connect() as conn:
        month = conn.execute(text("SELECT spend, points, orders FROM member_months")).one()
        refunded = conn.execute(text("SELECT refunded FROM orders")).scalar_one()
    assert refunded == 2000
    assert tuple(month) == (0, 0, 0)  # no purchase left: the order counts no more
    assert_verified(jf)


def test_groups_drawing_on_a_budget_that_runs_out_wait_for_each_other_and_never_deadlock(
    jf: Jifen, clock: FakeClock
) -> None:
    clock.advance(days=3)  # Wednesday: vegetables earn double, from the campaign's budget
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program = publish(jf, source=source.replace("budget: 500000", "budget: 1050"))
    veg = line("bok-choy", 1, "100.00", "vegetables")
    people = [join(jf, program, f"V-{n}", segment="vegetable_lover") for n in range(48)]
    other = bootstrap(Settings(database_url=jf.settings.database_url), clock=clock)
    deadlocks: list[BaseException] = []

    def seen(context: Any) -> None:
        if isinstance(context.original_exception, psycopg.errors.DeadlockDetected):
            deadlocks.append(context.original_exception)

    def send(app: Jifen, members: list[str]) -> list[int]:
        answers = [
            app.orders.submit(program, PlaceOrder(f"{m}-1", m, "100.00", (veg,))) for m in members
        ]
        return [a.result(60).points for a in answers]

    points: list[int] = []
    try:
        for app in (jf, other):
            event.listen(app.engine, "handle_error", seen)
        halves = [(jf, people[:24]), (other, people[24:])]
        start = threading.Barrier(2)

        def run(app: Jifen, members: list[str]) -> None:
            start.wait(10)
            points.extend(send(app, members))

        threads = [threading.Thread(target=run, args=half) for half in halves]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        other.close()
    assert deadlocks == []
    assert len(points) == 48
    # 100 and the week's double each, and the vegetables' double to whoever found budget
    # left: 1,050 between them
    assert sum(points) == 48 * 200 + 1050
    with jf.engine.connect() as conn:
        spent = conn.execute(text("SELECT SUM(spent) FROM campaign_budgets")).scalar_one()
    assert spent == 1050
    assert_verified(jf)

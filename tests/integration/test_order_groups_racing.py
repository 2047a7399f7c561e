"""Two server processes recording orders of the same member at once decide each order on
what the other committed: a batch that waited for a member's lock reads after the wait.

Fresh market: 1 point a yuan, doubled on the member's first order of the week. Process A
records an order and holds the member until it commits; process B's order arrives
meanwhile and waits for the member. Once A commits, B's order is the week's second: it
earns no double. (On PostgreSQL the first read of a batch once locked the members and
read everything else in one statement, whose snapshot was taken before the wait: B's
order earned the double too, points minted under concurrency.)
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import text

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.programs import Program
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.order_batches import CheckedOrder, record_orders_in
from jifen.services.earning.order_data import to_order
from tests.earning_fixtures import join, line, publish
from tests.factories import FakeClock, assert_verified, balances

MILK = line("milk", 1, "10.00", "dairy")


def _checked(jf: Jifen, program: Program, order_id: str) -> CheckedOrder:
    cmd = PlaceOrder(order_id, "C-1", "10.00", (MILK,))
    return CheckedOrder(cmd, to_order(cmd, program.currency, jf.clock.now(), jf.clock_skew))


def _wait_until_blocked(jf: Jifen, answer: Any) -> None:
    """Until the other process's batch waits for a lock (PostgreSQL) or, on SQLite, a
    moment (its BEGIN IMMEDIATE waits for the write lock; nothing there to watch)."""
    if jf.engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 20
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    while True:
        with jf.engine.connect() as conn:
            if conn.execute(query).scalar_one() > 0:
                return
        assert not answer.done(), answer.exception()
        assert time.monotonic() < deadline, "the other batch never waited for the member"
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
            _wait_until_blocked(jf, answer)
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

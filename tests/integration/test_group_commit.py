"""Grouped commits: concurrent orders share a transaction, each keeping its own outcome.

Given the fresh-market programme on SQLite and PostgreSQL, when many orders arrive at
once at one ``OrderGroups`` (as a server process's requests do), then they are written
in groups, each order earns exactly what it earns alone, a refused order fails alone,
a group that cannot commit answers every order of it with the error and records none
of them, and the ledger verifies.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.errors import IdempotencyConflict, InvalidInput, MemberNotFound
from jifen.domain.programs import Program
from jifen.services.earning import group_commit, order_batches
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.group_commit import OrderGroups
from jifen.services.earning.views import EarnResult
from tests.earning_fixtures import buy, count, join, line, publish
from tests.factories import FakeClock, assert_verified, balances

EGGS = line("eggs-12", 2, "15.00", "dairy", "daily_special")
VEG = line("bok-choy", 1, "98.50", "vegetables")
TIMEOUT = 30.0


def groups_of(jf: Jifen, **options: Any) -> OrderGroups:
    return OrderGroups(jf.uow, jf.clock, jf.rulebooks, **options)


def veg(i: int) -> tuple[str, Any]:
    """Order ``i``'s paid and its one line: a different amount each."""
    price = f"{100 + i}.00"
    return price, line("bok-choy", 1, price, "vegetables")


def order(order_id: str, member: str, paid: str = "128.50", *lines: Any) -> PlaceOrder:
    return PlaceOrder(order_id, member, paid, lines or (EGGS, VEG))


@contextmanager
def held(groups: OrderGroups, program: Program, member: str) -> Iterator[None]:
    """Hold the writer on a plug order until the block ends, so that every order
    submitted inside the block queues behind it and is written as one group."""
    release, started = threading.Event(), threading.Event()
    real = groups._write

    def write(group: list[Any]) -> None:
        if not started.is_set():
            started.set()
            release.wait(TIMEOUT)
        real(group)

    groups._write = write  # type: ignore[method-assign]
    plug = groups.submit(program, order(f"plug-{id(groups)}", member))
    assert started.wait(TIMEOUT)
    try:
        yield
    finally:
        release.set()
        plug.exception(TIMEOUT)


def answers(futures: list[Future[EarnResult]]) -> list[EarnResult | BaseException]:
    out: list[EarnResult | BaseException] = []
    for f in futures:
        exc = f.exception(TIMEOUT)
        out.append(exc if exc is not None else f.result())
    return out


def test_concurrent_orders_are_written_in_groups_and_earn_what_they_earn_alone(
    jf: Jifen, database_url: str, clock: FakeClock, tmp_path: Any
) -> None:
    program = publish(jf)
    members_ = [join(jf, program, f"C-{i}") for i in range(8)]
    join(jf, program, "P")
    groups = groups_of(jf)
    with held(groups, program, "P"):
        futures = [
            groups.submit(program, order(f"O-{i}", members_[i % 8], *veg(i))) for i in range(40)
        ]
    results = answers(futures)

    assert all(isinstance(r, EarnResult) for r in results), results
    assert list(groups.sizes) == [1, 40]  # the plug alone, then the forty as one group
    assert count(jf, "orders") == 41
    # the same orders, one at a time, into a second database, earn the same points
    alone = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'alone.db'}"), clock=clock)
    try:
        alone.migrate()
        other = publish(alone)
        for i in range(8):
            join(alone, other, f"C-{i}")
        expected = [buy(alone, other, members_[i % 8], f"O-{i}", *veg(i)) for i in range(40)]
        assert [r.points for r in results] == [e.points for e in expected]  # type: ignore[union-attr]
        for m in members_:
            assert balances(jf, program, m) == balances(alone, other, m)
    finally:
        alone.close()
    assert_verified(jf)


def test_a_refused_order_fails_alone_and_its_neighbours_are_recorded(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    join(jf, program, "P")
    groups = groups_of(jf)
    groups.submit(program, order("warm-up", "C-1")).result(TIMEOUT)
    with held(groups, program, "P"):
        futures = [
            groups.submit(program, order("A", "C-1")),
            groups.submit(program, order("B", "nobody")),  # unknown member
            groups.submit(program, order("warm-up", "C-2")),  # the id, for other details
            groups.submit(program, order("C", "C-2")),
            groups.submit(program, order("A", "C-1")),  # the same order again: a replay
        ]
    a, b, reused, c, again = answers(futures)

    assert isinstance(a, EarnResult) and isinstance(c, EarnResult)
    assert isinstance(b, MemberNotFound)
    assert isinstance(reused, IdempotencyConflict)
    assert isinstance(again, EarnResult) and again.points == a.points
    assert count(jf, "orders") == 4  # warm-up, the plug, A and C
    assert_verified(jf)


def test_an_order_that_fails_inside_the_batch_is_written_alone_and_fails_alone(
    jf: Jifen, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    real = order_batches.record_order_in

    def failing(uow: Any, rulebooks: Any, call: Any, order_: Any, **kw: Any) -> EarnResult:
        if order_.order_id == "bad":
            raise RuntimeError("a defect in one order's path")
        return real(uow, rulebooks, call, order_, **kw)

    monkeypatch.setattr(order_batches, "record_order_in", failing)
    join(jf, program, "P")
    groups = groups_of(jf)
    groups.submit(program, order("warm-up", "C-1")).result(TIMEOUT)
    with held(groups, program, "P"):
        futures = [groups.submit(program, order(i, "C-1")) for i in ("x", "bad", "y")]
    x, bad, y = answers(futures)

    assert isinstance(x, EarnResult) and isinstance(y, EarnResult)
    assert isinstance(bad, RuntimeError)
    assert count(jf, "orders") == 4  # warm-up, plug, x, y: the batch undone, then row by row
    assert_verified(jf)


def test_a_group_that_cannot_commit_records_none_of_its_orders(
    jf: Jifen, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    join(jf, program, "P")
    groups = groups_of(jf)
    groups.submit(program, order("warm-up", "C-1")).result(TIMEOUT)
    before = balances(jf, program, "C-1")

    class Lost(Exception):
        pass

    def uow() -> Any:
        work = jf.uow()
        real_commit = work.commit

        def commit() -> None:
            work.rollback()
            raise Lost("the connection went away at COMMIT")

        def commit_with(write: Any) -> None:
            write()
            commit()

        work.commit = commit  # type: ignore[method-assign]
        work.commit_with = commit_with  # type: ignore[method-assign]
        del real_commit
        return work

    monkeypatch.setattr(groups, "_uow_factory", uow)
    with held(groups, program, "P"):
        futures = [groups.submit(program, order(f"O-{i}", "C-1")) for i in range(5)]

    assert all(isinstance(a, Lost) for a in answers(futures))
    assert count(jf, "orders") == 1
    assert balances(jf, program, "C-1") == before
    assert_verified(jf)


def test_a_bad_order_is_refused_before_it_queues(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    groups = groups_of(jf)

    with pytest.raises(InvalidInput):
        groups.submit(program, order("O-1", "C-1", "500.00", line("eggs", 1, "210.00")))
    assert not groups.sizes  # nothing was written


def test_the_writer_stops_when_idle_and_starts_again(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    groups = groups_of(jf, idle=0.05)
    groups.submit(program, order("O-1", "C-1")).result(TIMEOUT)
    writer = groups._writer
    assert writer is not None
    writer.join(TIMEOUT)
    assert groups._writer is None

    assert isinstance(groups.submit(program, order("O-2", "C-1")).result(TIMEOUT), EarnResult)
    assert count(jf, "orders") == 2


def test_grouped_orders_of_two_programmes_share_a_transaction(jf: Jifen) -> None:
    fresh = publish(jf)
    brand = publish(jf, "lifestyle-brand")
    join(jf, fresh, "C-1")
    join(jf, brand, "C-1")
    join(jf, fresh, "P")
    groups = groups_of(jf)
    with held(groups, fresh, "P"):
        futures = [
            groups.submit(fresh, order("F-1", "C-1")),
            groups.submit(brand, order("B-1", "C-1", "300.00", line("tee", 1, "300.00"))),
            groups.submit(fresh, order("F-2", "C-1")),
        ]

    assert all(isinstance(a, EarnResult) for a in answers(futures))
    with jf.engine.connect() as conn:
        per_programme = dict(
            conn.execute(text("SELECT program_id, COUNT(*) FROM orders GROUP BY program_id")).all()
        )
    assert per_programme == {fresh.id: 3, brand.id: 1}  # the plug, F-1, F-2; B-1
    assert list(groups.sizes) == [1, 3]
    assert group_commit.MAX_BATCH >= 32
    assert_verified(jf)

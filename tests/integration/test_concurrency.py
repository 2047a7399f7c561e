"""The ledger under real contention, on PostgreSQL only.

Every test starts its workers together with a barrier; each service call runs
on its own thread with its own pooled connection and transaction, so the
member row locks, guarded updates and idempotency-key claims are what keep
the ledger right. SQLite has a single writer and would prove nothing here.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import TypeVar

import pytest

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.errors import Conflict, InsufficientPoints, RuleViolation
from jifen.domain.programs import Program
from jifen.services import ledger, members
from jifen.services.ledger import holds, verification
from jifen.services.ledger.commands import CaptureHold, Earn, PlaceHold, Redeem, ReleaseHold
from jifen.services.ledger.views import Receipt
from jifen.services.members.commands import CreateMember
from tests.conftest import _truncate_all
from tests.factories import FakeClock, assert_verified, balances, key, make_member

pytestmark = pytest.mark.postgres  # every test in this module

T = TypeVar("T")
WORKERS = 32
JOIN_TIMEOUT = 30.0  # a thread still running after this is stuck: a deadlock or a lost wake-up


@pytest.fixture
def jf(pg_url: str, clock: FakeClock) -> Iterator[Jifen]:
    """Overrides conftest's ``jf``: PostgreSQL only (``program`` and ``clock`` come from there)."""
    _truncate_all(pg_url)
    app = bootstrap(Settings(database_url=pg_url, db_pool_size=40), clock=clock)
    # Open the workers' connections up front: otherwise each thread spends its
    # first milliseconds connecting, which staggers the threads the barrier
    # released together and hides races.
    with ExitStack() as stack:
        for _ in range(WORKERS):
            stack.enter_context(app.engine.connect())
    try:
        yield app
    finally:
        app.close()


def run_together(n: int, call: Callable[[int], T]) -> list[T | Exception]:
    """Run ``call(0..n-1)`` on ``n`` threads released at once; each result or error."""
    barrier = threading.Barrier(n)
    results: list[T | Exception | None] = [None] * n

    def worker(i: int) -> None:
        barrier.wait(timeout=JOIN_TIMEOUT)
        try:
            results[i] = call(i)
        except Exception as exc:  # every outcome is asserted on
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(t.is_alive() for t in threads)
    assert stuck == 0, f"{stuck} of {n} workers never finished"
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def split(results: list[T | Exception]) -> tuple[list[T], list[Exception]]:
    ok = [r for r in results if not isinstance(r, Exception)]
    failed = [r for r in results if isinstance(r, Exception)]
    return ok, failed


def assert_only_insufficient_points(failed: list[Exception]) -> None:
    others = [e for e in failed if not isinstance(e, InsufficientPoints)]
    assert not others, others[:3]


# -- spending one balance from many workers ------------------------------------------------


def test_concurrent_spends_never_oversell_a_balance(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1", 1000)

    results = run_together(
        WORKERS,
        lambda _: ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 70), key("spend")),
    )

    spent, refused = split(results)
    assert len(spent) == 1000 // 70 == 14
    assert len(refused) == WORKERS - 14
    assert_only_insufficient_points(refused)
    # the spends were serialised: each saw the balance the one before it left
    assert sorted(r.available for r in spent) == [1000 - 70 * n for n in range(14, 0, -1)]
    assert all(r.points == -70 and not r.replayed for r in spent)
    assert len({r.entry_ids for r in spent}) == 14
    assert balances(jf, program, "C-1") == (1000 - 14 * 70, 0, 0)
    assert_verified(jf)


def test_concurrent_spends_across_several_lots_draw_each_lot_once(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    now = clock.now()
    make_member(jf, program, "C-1")
    # 1000 points in five lots: four expiring at different dates, one never
    for points, days in ((150, 40), (250, 10), (200, None), (100, 30), (300, 20)):
        expires = None if days is None else now + timedelta(days=days)
        ledger.earn(jf.uow(), clock, program, Earn("C-1", points, expires_at=expires), key())

    results = run_together(
        WORKERS,
        lambda _: ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 70), key("spend")),
    )

    spent, refused = split(results)
    assert len(spent) == 14
    assert_only_insufficient_points(refused)
    assert sorted(r.available for r in spent) == [1000 - 70 * n for n in range(14, 0, -1)]
    assert balances(jf, program, "C-1") == (20, 0, 0)
    assert_verified(jf)
    # soonest-expiring lots went first, so the 20 left are in the lot that never expires
    clock.advance(days=41)
    last = ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 20), key())
    assert last.available == 0
    assert_verified(jf)


# -- holds ---------------------------------------------------------------------------------


def test_concurrent_holds_never_reserve_more_than_the_balance(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1", 1000)

    results = run_together(
        WORKERS,
        lambda _: holds.place_hold(jf.uow(), jf.clock, program, PlaceHold("C-1", 90), key("hold")),
    )

    placed, refused = split(results)
    assert len(placed) == 1000 // 90 == 11
    assert_only_insufficient_points(refused)
    assert len({r.hold_id for r in placed}) == 11
    assert all(r.hold_status == "active" for r in placed)
    assert sorted(r.held for r in placed) == [90 * n for n in range(1, 12)]
    assert balances(jf, program, "C-1") == (1000 - 11 * 90, 0, 11 * 90)
    assert_verified(jf)


def test_racing_captures_and_releases_settle_a_hold_exactly_once(
    jf: Jifen, program: Program
) -> None:
    make_member(jf, program, "C-1", 2000)
    expected = (2000, 0, 0)
    winners: Counter[str] = Counter()
    for _round in range(3):
        placed = holds.place_hold(jf.uow(), jf.clock, program, PlaceHold("C-1", 300), key())
        hold_id = placed.hold_id
        assert hold_id is not None
        assert balances(jf, program, "C-1") == (expected[0] - 300, 0, 300)

        def settle(i: int, hold_id: int = hold_id) -> Receipt:
            if i % 2:
                return holds.release_hold(
                    jf.uow(), jf.clock, program, ReleaseHold(hold_id), key("release")
                )
            return holds.capture_hold(
                jf.uow(), jf.clock, program, CaptureHold(hold_id), key("capture")
            )

        results = run_together(WORKERS, settle)

        won, lost = split(results)
        assert len(won) == 1, won
        assert len(lost) == WORKERS - 1
        assert all(type(e) is RuleViolation and e.code == "hold_not_active" for e in lost), [
            e for e in lost if getattr(e, "code", None) != "hold_not_active"
        ][:3]
        receipt = won[0]
        winners[receipt.kind] += 1
        assert receipt.hold_id == hold_id
        if receipt.kind == "capture":
            assert (receipt.points, receipt.hold_status) == (-300, "captured")
            expected = (expected[0] - 300, 0, 0)
        else:
            assert (receipt.kind, receipt.hold_status) == ("release", "released")
            expected = (expected[0], 0, 0)
        assert (receipt.available, receipt.pending, receipt.held) == expected
        assert balances(jf, program, "C-1") == expected
        assert_verified(jf)
    assert sum(winners.values()) == 3


# -- idempotency keys retried at the same moment -------------------------------------------


def _assert_one_result_replayed(results: list[Receipt | Exception]) -> Receipt:
    receipts, failed = split(results)
    assert not failed, failed[:3]
    first = [r for r in receipts if not r.replayed]
    assert len(first) == 1
    assert sum(r.replayed for r in receipts) == WORKERS - 1
    # every replay is the first response, field for field
    assert all(dataclasses.replace(r, replayed=False) == first[0] for r in receipts)
    return first[0]


def test_a_key_retried_concurrently_awards_points_once(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1")
    shared = key("earn")

    results = run_together(
        WORKERS, lambda _: ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 70), shared)
    )

    first = _assert_one_result_replayed(results)
    assert len(first.entry_ids) == 1
    assert (first.points, first.available) == (70, 70)
    assert balances(jf, program, "C-1") == (70, 0, 0)
    page = members.history(jf.uow(write=False), program, "C-1", None, 50)
    assert [i.id for i in page.items] == list(first.entry_ids)
    assert_verified(jf)


def test_a_key_retried_concurrently_spends_points_once(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1", 100)
    shared = key("spend")

    results = run_together(
        WORKERS, lambda _: ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 70), shared)
    )

    first = _assert_one_result_replayed(results)
    assert len(first.entry_ids) == 1
    assert (first.points, first.available) == (-70, 30)
    assert balances(jf, program, "C-1") == (30, 0, 0)
    assert_verified(jf)


def test_concurrent_joins_of_one_member_create_it_once_and_refuse_the_rest(
    jf: Jifen, program: Program
) -> None:
    results = run_together(
        WORKERS,
        lambda _: members.create_member(
            jf.uow(), jf.clock, program, CreateMember("C-1"), key("join")
        ),
    )

    joined, refused = split(results)
    assert len(joined) == 1
    # a duplicate is a Conflict whichever check caught it, never a leaked IntegrityError
    assert all(type(e) is Conflict and e.code == "member_exists" for e in refused), [
        e for e in refused if getattr(e, "code", None) != "member_exists"
    ][:3]
    assert len(refused) == WORKERS - 1
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 5), key())
    assert balances(jf, program, "C-1") == (5, 0, 0)
    assert verification.verify(jf.uow, jf.rulebooks)["counts"]["members"] == 1


# -- many members, many writers ------------------------------------------------------------

WRITERS = 8
MEMBERS = 20
#: each writer's operations: a count, not a time, so that a slow or busy machine (tests
#: running side by side) still has the contention the assertions below ask for
OPS_PER_WRITER = 25
START_POINTS = 100


def test_mixed_writers_on_many_members_neither_deadlock_nor_lose_points(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    names = [f"M-{n:02d}" for n in range(MEMBERS)]
    for name in names:
        make_member(jf, program, name, START_POINTS)
    expected = dict.fromkeys(names, START_POINTS)
    done: Counter[str] = Counter()
    tally = threading.Lock()
    now = clock.now()

    def writer(n: int) -> list[Exception]:
        rng = random.Random(n)  # seeded per writer
        errors: list[Exception] = []
        for _ in range(OPS_PER_WRITER):
            name = rng.choice(names)
            points = rng.randint(1, 60)
            try:
                if rng.random() < 0.45:
                    days = rng.choice((None, 5, 30, 90))
                    expires = None if days is None else now + timedelta(days=days)
                    cmd = Earn(name, points, expires_at=expires)
                    receipt = ledger.earn(jf.uow(), clock, program, cmd, key("mix"))
                    change, kind = points, "earn"
                else:
                    receipt = ledger.redeem(
                        jf.uow(), clock, program, Redeem(name, points), key("mix")
                    )
                    change, kind = -points, "redeem"
            except InsufficientPoints:
                with tally:
                    done["refused"] += 1
                continue
            except Exception as exc:  # collected, asserted empty
                errors.append(exc)
                continue
            assert receipt.available >= 0
            with tally:
                expected[name] += change
                done[kind] += 1
        return errors

    results = run_together(WRITERS, writer)

    crashed = [r for r in results if isinstance(r, Exception)]
    assert not crashed, crashed
    errors = [e for r in results if not isinstance(r, Exception) for e in r]
    assert not errors, errors[:3]
    # the run had real contention in both directions
    assert done["earn"] > 50 and done["redeem"] > 50 and done["refused"] > 0, done
    actual = {name: balances(jf, program, name) for name in names}
    assert actual == {name: (points, 0, 0) for name, points in expected.items()}
    assert_verified(jf)

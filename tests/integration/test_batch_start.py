"""A batch of orders reads first in one go, and sends its writes with the commit.

Given the fresh-market programme on SQLite and PostgreSQL, ``start_batch`` answers what
the repositories answer one by one (members locked, keys stored, claims only for the
first order of a key whose member is active, the version, capped rules' usage, each
week's first order, months of activity, entry ids); on PostgreSQL a lone order goes to
the database in two round trips (the BEGIN with the reads, the writes with the COMMIT),
and its connection goes back to the pool as the driver left it (not in autocommit), after
a failure too (a write whose guard fails inside ``commit_with`` is
``test_batch_writes.py``'s).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg import pq
from sqlalchemy import event, func, select, text

from jifen.adapters.db.earning import batch_start
from jifen.adapters.db.tables import entries
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.earning import week_span
from jifen.domain.members import MemberStatus
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.group_commit import OrderGroups
from jifen.services.earning.ports import BatchAsk
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import FakeClock, assert_verified

EGGS = line("eggs-12", 2, "15.00", "dairy", "daily_special")


def _ask(jf: Jifen, program_id: int, **over: Any) -> BatchAsk:
    return BatchAsk(
        **{
            "program_id": program_id,
            "keys": {},
            "members": set(),
            "usage": set(),
            "spans": set(),
            "months": False,
            "entries": 0,
            "now": jf.clock.now(),
            **over,
        }
    )


def test_the_start_of_a_batch_reads_what_the_repositories_read(
    jf: Jifen, database_url: str, clock: FakeClock
) -> None:
    program = publish(jf)
    for m in ("C-1", "C-2", "C-3"):
        join(jf, program, m)
    buy(jf, program, "C-1", "O-1", "30.00", EGGS)  # the week's first
    used = [("capped", "2026-W49"), ("other", "lifetime")]
    with jf.uow() as uow:
        blocked = uow.members.get(program.id, "C-3")
        c1 = uow.members.get(program.id, "C-1")
        assert blocked is not None and c1 is not None
        uow.members.update(blocked.id, {"status": MemberStatus.BLOCKED.value}, clock.now())
        uow.earning.add_usage(c1.id, [(r, k, 10, 1) for r, k in used])
        uow.commit()
    with jf.uow(write=False) as uow:
        top = uow._conn.execute(select(func.max(entries.c.id))).scalar_one()  # type: ignore[attr-defined]
    week = week_span(clock.now().astimezone(jf.rulebooks.last(program).earning.tz))  # type: ignore[union-attr]
    ask = _ask(
        jf,
        program.id,
        keys={
            "order:O-1": ("f0", "C-1"),  # stored before
            "order:N-1": ("f1", "C-1"),  # to claim
            "order:N-2": ("f2", "C-3"),  # blocked: not claimed
            "order:N-3": ("f3", "nobody"),  # unknown: not claimed
        },
        members={"C-1", "C-2", "C-3", "nobody"},
        usage={("C-1", rule, period) for rule, period in used} | {("C-2", *used[0])},
        spans={("C-1", *week), ("C-2", *week), ("nobody", *week)},
        months=True,
        entries=3,
    )

    with jf.uow() as uow:
        start = uow.earning.start_batch(ask)
        ids = {m: start.members[m].id for m in ("C-1", "C-2", "C-3")}
        # what the repositories read, in the same transaction
        assert uow.members.lock_many(program.id, ask.members) == start.members
        assert set(uow.idempotency.stored_many(program.id, set(ask.keys))) == {
            "order:O-1",
            "order:N-1",
        }
        assert uow.versions.current(program.id) == start.version
        asked = {(ids[m], r, k) for m, r, k in ask.usage}
        assert start.usage == uow.earning.usage_of(asked) and start.usage
        firsts = uow.earning.firsts_in({(ids[m], *week) for m in ("C-1", "C-2")})
        assert start.firsts == {
            (ids["C-1"], *week): firsts[(ids["C-1"], *week)],
            (ids["C-2"], *week): None,
        }
        assert start.firsts[(ids["C-1"], *week)][1] == "O-1"  # type: ignore[index]
        months = uow.tiers.months_of(ids.values())
        assert start.months == {i: months.get(i, {}) for i in ids.values()}
        assert start.months[ids["C-1"]] and start.months[ids["C-2"]] == {}

    assert set(start.members) == {"C-1", "C-2", "C-3"}
    assert start.members["C-3"].status is MemberStatus.BLOCKED
    assert set(start.stored) == {"order:O-1"}
    assert start.claimed == {"order:N-1"}
    if database_url.startswith("postgresql"):  # reserved from the sequence
        assert len(set(start.entry_ids)) == 3 and min(start.entry_ids) > top
    else:  # SQLite hands ids out above the transaction's own, when asked
        assert start.entry_ids == []
    with jf.uow(write=False) as uow:  # rolled back: nothing claimed
        assert set(uow.idempotency.stored_many(program.id, set(ask.keys))) == {"order:O-1"}


def test_a_key_is_claimed_for_its_first_order_whose_member_is_active(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    ask = _ask(jf, program.id, keys={"order:X": ("fa", "C-1")}, members={"C-1"})
    with jf.uow() as uow:
        assert uow.earning.start_batch(ask).claimed == {"order:X"}
        assert uow.idempotency.stored_many(program.id, {"order:X"})["order:X"].fingerprint == "fa"
        # claimed already in this transaction: a second start claims nothing
        assert uow.earning.start_batch(ask).claimed == set()


def _waits(jf: Jifen, groups: OrderGroups, program: Any, cmd: Any) -> tuple[Any, int, list[str]]:
    """The order recorded through the order lane, traced: its result, how many times the
    client waited for the server, and the statements it parsed."""
    traced: list[Any] = []
    with tempfile.TemporaryFile("w+") as trace:

        @event.listens_for(jf.engine, "checkout")
        def _traced(dbapi: Any, record: Any, proxy: Any) -> None:
            dbapi.pgconn.trace(trace.fileno())
            dbapi.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            traced.append(dbapi)

        try:
            result = groups.submit(program, cmd).result(30)
        finally:
            event.remove(jf.engine, "checkout", _traced)
            for dbapi in traced:  # before the file closes: the pool keeps the connection
                dbapi.pgconn.untrace()
        trace.flush()
        trace.seek(0)
        sent = [ln.split("\t") for ln in trace.read().splitlines() if ln.startswith("F\t")]
    # each Sync (or simple Query) is one wait for the server
    waits = [i for i, f in enumerate(sent) if f[2] in ("Sync", "Query")]
    return result, len(waits), [f[3] for f in sent if f[2] == "Parse"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", [pytest.param("postgresql", id="postgres")], indirect=True)
def test_a_lone_order_goes_to_postgresql_in_two_round_trips(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    groups = OrderGroups(jf.uow, jf.clock, jf.rulebooks)
    groups.submit(program, _order("warm-up", "C-1")).result(30)  # the rules read once
    result, waits, parsed = _waits(jf, groups, program, _order("O-1", "C-2"))
    assert waits == 2, parsed  # BEGIN with the reads, then the writes with the COMMIT
    assert "BEGIN" in parsed[0] and "COMMIT" in parsed[-1]
    assert result.points > 0
    assert_verified(jf)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", [pytest.param("postgresql", id="postgres")], indirect=True)
def test_an_order_that_completes_a_challenge_pays_it_in_the_same_two_round_trips(
    jf: Jifen, clock: FakeClock
) -> None:
    """The reward's entry id is reserved with the batch's first read (it once cost a round
    trip of its own, in the middle of the batch)."""
    clock.set(datetime(2026, 12, 9, 4, 0, tzinfo=UTC))
    program = publish(jf)  # december-500: 300 points for 500 yuan spent in December
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    groups = OrderGroups(jf.uow, jf.clock, jf.rulebooks)
    groups.submit(program, _order("warm-up", "C-1")).result(30)
    big = PlaceOrder("O-1", "C-2", "520.00", (line("oil-5l", 8, "65.00", "grocery"),))
    result, waits, parsed = _waits(jf, groups, program, big)
    assert [c["challenge"] for c in result.meta["challenges"]] == ["december-500"], result
    assert waits == 2, parsed
    assert_verified(jf)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", [pytest.param("postgresql", id="postgres")], indirect=True)
def test_a_connection_goes_back_to_the_pool_beginning_its_own_transactions(
    jf: Jifen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The BEGIN sent with the first read puts the driver in autocommit for the rest of
    the transaction: every connection checked in must be out of it again, or the next
    unit of work on it would commit statement by statement."""
    program = publish(jf)
    join(jf, program, "C-1")
    groups = OrderGroups(jf.uow, jf.clock, jf.rulebooks)
    checked_in: list[bool] = []

    def _checkin(dbapi: Any, record: Any) -> None:
        checked_in.append(dbapi.autocommit)

    event.listen(jf.engine, "checkin", _checkin)
    try:
        assert groups.submit(program, _order("O-1", "C-1")).result(30).points > 0
        # a first read that fails: the transaction rolls back, and the order with it
        monkeypatch.setattr(batch_start, "_START", "SELECT 1 / 0")
        failed = groups.submit(program, _order("O-2", "C-1")).exception(30)
        assert failed is not None
    finally:
        event.remove(jf.engine, "checkin", _checkin)
    assert checked_in and not any(checked_in), checked_in
    with jf.uow() as uow:  # the next work on the pool is a transaction: rolled back whole
        uow.outbox.add(program.id, "test.event", {"n": 1}, jf.clock.now())
    with jf.uow() as uow:
        assert uow.outbox_relay.latest(program.id, "test.event", 5) == []
        assert uow.idempotency.stored_many(program.id, {"order:O-2"}) == {}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", [pytest.param("postgresql", id="postgres")], indirect=True)
def test_the_first_read_of_a_batch_is_planned_once_per_connection(
    jf: Jifen, database_url: str, clock: FakeClock
) -> None:
    """PostgreSQL planned it afresh for its first uses on each connection, and under load
    for every batch (it judged the generic plan dearer), planning as long as it ran; on
    one connection, twelve orders use one generic plan and no other."""
    program = publish(jf)
    for m in ("C-1", "C-2", "C-3"):
        join(jf, program, m)
    alone = bootstrap(Settings(database_url=jf.settings.database_url, db_pool_size=1), clock=clock)
    try:
        groups = OrderGroups(alone.uow, alone.clock, alone.rulebooks)
        for n in range(12):
            groups.submit(program, _order(f"O-{n}", f"C-{n % 3 + 1}")).result(30)
        with alone.engine.connect() as conn:  # the pool's one connection: the writer's
            plans = conn.execute(
                text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE '%WITH locked AS%'"
                )
            ).all()
    finally:
        alone.close()
    assert len(plans) == 1, plans  # prepared by the driver after its fifth use
    generic, custom = plans[0]
    assert custom == 0 and generic >= 1, plans


def _order(order_id: str, member: str) -> Any:
    return PlaceOrder(order_id, member, "30.00", (EGGS,))

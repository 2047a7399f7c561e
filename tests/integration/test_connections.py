"""Connections on PostgreSQL: reads without a transaction, and connections the server drops.

A unit of work opened to read sends its statements with no BEGIN or ROLLBACK round trip,
and may not write (it would commit at once, alone). There is no pre-ping at checkout (it cost a round trip a request): a connection the
server dropped is found by the next statement sent on it. When that statement is the
rollback ending a read that has its answer, the read is answered; the pool replaces the
connection, and the next unit of work connects afresh.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from jifen.adapters.db.engine import WriteInRead
from jifen.bootstrap import Jifen
from jifen.domain.errors import Unavailable
from jifen.domain.programs import Program
from jifen.services.earning.ports import BatchAsk
from tests.factories import make_member

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize(
        "database_url", [pytest.param("postgresql", id="postgres")], indirect=True
    ),
]

_OTHERS = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def _drop_the_connections(jf: Jifen) -> None:
    """What a restart does to the connections in use: terminated by the server."""
    with jf.engine.connect() as admin:
        pids = [r[0] for r in admin.execute(text(_OTHERS))]
        assert pids, "a unit of work is connected"
        for pid in pids:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()
        deadline = time.monotonic() + 10
        # those backends, not every other: a pool that keeps a connection open (the event
        # loop's reader) connects again at once
        gone = text("SELECT 1 FROM pg_stat_activity WHERE pid = ANY(:pids)")
        while True:
            alive = admin.execute(gone, {"pids": pids}).first() is not None
            # a transaction reads pg_stat_activity once: polled in one, a backend still
            # there at the first look stayed there (the test failed so on a busy machine)
            admin.rollback()
            if not alive:
                return
            assert time.monotonic() < deadline, "the backend did not go"
            time.sleep(0.05)


def test_work_that_has_its_answer_keeps_it_when_its_connection_dies_before_the_rollback(
    jf: Jifen, program: Program
) -> None:
    """A unit of work opened to write that only read (a replay, a refusal) rolls back."""
    make_member(jf, program, "C-1")
    with jf.uow() as uow:
        found = uow.members.get(program.id, "C-1")
        _drop_the_connections(jf)
    assert found is not None and found.external_id == "C-1"
    with jf.uow(write=False) as uow:  # and the next one connects afresh
        assert uow.members.get(program.id, "C-1") is not None


def test_a_statement_on_a_dropped_connection_is_unavailable_not_an_error(
    jf: Jifen, program: Program
) -> None:
    make_member(jf, program, "C-1")

    def read_across_a_drop() -> None:
        with jf.uow(write=False) as uow:
            uow.members.get(program.id, "C-1")
            _drop_the_connections(jf)
            uow.members.get(program.id, "C-1")

    with pytest.raises(Unavailable):
        read_across_a_drop()
    with jf.uow(write=False) as uow:
        assert uow.members.get(program.id, "C-1") is not None


def test_a_pipeline_on_a_dropped_connection_is_unavailable_not_an_error(
    jf: Jifen, program: Program
) -> None:
    """The batch's reads and its writes with the COMMIT go out in psycopg pipelines, whose
    errors the driver raises itself: a lost connection is still told as unavailable."""
    make_member(jf, program, "C-1")
    ask = BatchAsk(
        program_id=program.id,
        keys={"order:X": ("f", "C-1")},
        members={"C-1"},
        usage=set(),
        spans=set(),
        months=False,
        entries=1,
        now=jf.clock.now(),
    )

    def start_across_a_drop() -> None:
        with jf.uow() as uow:
            uow.members.get(program.id, "C-1")
            _drop_the_connections(jf)
            uow.earning.start_batch(ask)

    def commit_across_a_drop() -> None:
        with jf.uow() as uow:
            uow.earning.start_batch(ask)
            _drop_the_connections(jf)
            uow.commit_with(lambda: uow.outbox.add(program.id, "t", {}, jf.clock.now()))

    with pytest.raises(Unavailable):
        start_across_a_drop()
    with pytest.raises(Unavailable):
        commit_across_a_drop()
    with jf.uow(write=False) as uow:  # nothing claimed, and the next one connects afresh
        assert uow.idempotency.stored_many(program.id, {"order:X"}) == {}


def test_a_commit_on_a_dropped_connection_is_unavailable_not_an_error(
    jf: Jifen, program: Program
) -> None:
    """The database went away between a write and its COMMIT (an outage under load): the
    failed COMMIT leaves SQLAlchemy an invalid transaction, which the unit of work clears
    instead of tripping over it (it answered 500 once, in the outage test)."""
    make_member(jf, program, "C-1")

    def commit_across_a_drop() -> None:
        with jf.uow() as uow:
            uow.outbox.add(program.id, "t", {}, jf.clock.now())
            _drop_the_connections(jf)
            uow.commit()

    with pytest.raises(Unavailable):
        commit_across_a_drop()
    with jf.uow(write=False) as uow:  # nothing written, and the next one connects afresh
        assert uow.members.get(program.id, "C-1") is not None


def test_ctrl_c_inside_a_statement_in_a_savepoint_is_still_ctrl_c(
    jf: Jifen, program: Program
) -> None:
    """Ctrl-C lands while a statement is in flight (``jifen import`` in a row's savepoint):
    the interruption propagates, not the error of a ROLLBACK TO SAVEPOINT sent on a
    connection still busy with it; the transaction is abandoned whole."""
    make_member(jf, program, "C-1")

    def interrupted_in_a_statement() -> None:
        with jf.uow() as uow:
            uow.outbox.add(program.id, "t", {}, jf.clock.now())
            with uow.savepoint():
                uow.outbox.add(program.id, "u", {}, jf.clock.now())
                pg = uow.members.conn.connection.driver_connection
                pg.pgconn.send_query(b"SELECT pg_sleep(0.2)")  # in flight, unanswered
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_in_a_statement()
    with jf.uow(write=False) as uow:
        assert uow.members.get(program.id, "C-1") is not None  # the pool connects afresh
    with jf.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM outbox WHERE topic IN ('t', 'u')")).scalar_one()
            == 0
        )


def test_a_unit_of_work_opened_to_read_refuses_to_write(jf: Jifen, program: Program) -> None:
    """On PostgreSQL a read runs without a transaction: a write there would commit alone."""
    make_member(jf, program, "C-1")

    def write_in_a_read() -> None:
        with jf.uow(write=False) as uow:
            uow.members.update(uow.members.get(program.id, "C-1").id, {"email": "x@y.z"}, jf.clock.now())  # type: ignore[union-attr]  # fmt: skip

    with pytest.raises(WriteInRead):
        write_in_a_read()
    with jf.uow(write=False) as uow:
        found = uow.members.get(program.id, "C-1")
    assert found is not None and found.email is None

"""``execute_many`` writes what ``conn.execute(statement, rows)`` writes, byte for byte on
SQLite (where it goes straight to the driver), raises the same errors, and leaves to
SQLAlchemy what it cannot run directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from jifen.adapters.db.many import execute_many
from jifen.adapters.db.tables import outbox
from jifen.bootstrap import Jifen
from jifen.domain.programs import Program

pytestmark = pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres, id="postgres")],
    indirect=True,
)

ADD = insert(outbox).inline()
TOUCH = (
    update(outbox)
    .where(outbox.c.topic == bindparam("b_topic"))
    .values(published_at=bindparam("b_at"))
)
SHANGHAI = timezone(timedelta(hours=8))


def _rows(program: Program, first: int, topic: str) -> list[dict[str, object]]:
    at = datetime(2026, 3, 1, 20, 30, 15, 123456, tzinfo=SHANGHAI)  # an offset: stored as UTC
    return [
        {
            "id": first + n,
            "program_id": program.id,
            "topic": topic,
            "payload": {"n": n, "名": "积分", "nested": [1, None, True]},
            "created_at": at + timedelta(minutes=n),
        }
        for n in range(3)
    ]


def test_the_rows_written_are_the_rows_sqlalchemy_writes(jf: Jifen, program: Program) -> None:
    with jf.engine.begin() as conn:
        execute_many(conn, ADD, _rows(program, 10_000, "direct"))
        conn.execute(ADD, _rows(program, 20_000, "sqlalchemy"))
        assert execute_many(conn, ADD, []) == 0
    with jf.engine.connect() as conn:
        read = select(outbox.c.payload, outbox.c.created_at, outbox.c.published_at)
        direct = conn.execute(read.where(outbox.c.topic == "direct").order_by(outbox.c.id)).all()
        other = conn.execute(read.where(outbox.c.topic == "sqlalchemy").order_by(outbox.c.id)).all()
        assert direct == other and len(direct) == 3
        assert direct[0].created_at == datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
        assert direct[1].payload == {"n": 1, "名": "积分", "nested": [1, None, True]}
        # as stored, not only as read back: the same text, the same types
        raw = "SELECT {} FROM outbox WHERE topic = :t ORDER BY id"
        cols = "CAST(payload AS TEXT), CAST(created_at AS TEXT)"
        if jf.engine.dialect.name == "sqlite":
            cols += ", typeof(payload), typeof(created_at)"
        stored = [
            conn.execute(text(raw.format(cols)), {"t": t}).all() for t in ("direct", "sqlalchemy")
        ]
        assert stored[0] == stored[1]


def test_an_update_counts_the_rows_it_matched(jf: Jifen, program: Program) -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    with jf.engine.begin() as conn:
        execute_many(conn, ADD, _rows(program, 10_000, "a") + _rows(program, 20_000, "b"))
        params = [{"b_topic": t, "b_at": at} for t in ("a", "b", "nobody")]
        assert execute_many(conn, TOUCH, params) == 6
        touched = conn.execute(select(outbox.c.published_at).where(outbox.c.topic == "b")).scalars()
        assert set(touched) == {at}


def test_a_refused_row_raises_what_sqlalchemy_raises(jf: Jifen, program: Program) -> None:
    with jf.engine.begin() as conn:
        execute_many(conn, ADD, _rows(program, 10_000, "a"))
    with pytest.raises(IntegrityError), jf.engine.begin() as conn:
        execute_many(conn, ADD, _rows(program, 10_002, "again"))  # 10,002 is taken
    with jf.engine.connect() as conn:  # the transaction was rolled back
        assert conn.execute(select(outbox.c.id).where(outbox.c.topic == "again")).all() == []


def test_a_default_filled_in_by_sqlalchemy_is_left_to_it(jf: Jifen) -> None:
    table = Table(
        "jifen_test_defaults",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("label", String(10), default="plain"),
    )
    table.create(jf.engine)
    try:
        with jf.engine.begin() as conn:
            execute_many(conn, insert(table), [{"id": 1}, {"id": 2}])
            assert conn.execute(select(table.c.label)).scalars().all() == ["plain", "plain"]
    finally:
        table.drop(jf.engine)


def test_rows_sent_before_a_transaction_began_are_rolled_back_with_it(
    jf: Jifen, program: Program
) -> None:
    with jf.engine.connect() as conn:  # no statement yet: no transaction yet
        execute_many(conn, ADD, _rows(program, 10_000, "unbegun"))
        conn.rollback()
    with jf.engine.connect() as conn:
        assert conn.execute(select(outbox.c.id).where(outbox.c.topic == "unbegun")).all() == []

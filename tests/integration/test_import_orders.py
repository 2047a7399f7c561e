"""Importing order files: worked points, idempotence, rejected rows, resuming.

The fake clock stands on Sunday 2026-03-01, noon in Shanghai; the orders are
from February (see tests/import_fixtures.py for the worked numbers).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from bench.orders_file import write_orders
from sqlalchemy import text

from jifen.adapters.db.imports.checkpoints import SqlImports
from jifen.bootstrap import Jifen
from jifen.domain.errors import NotFound, Unavailable
from jifen.domain.programs import Program
from jifen.services import imports, members
from jifen.services.imports.order_rows import OrderRows
from jifen.services.imports.rows import Rejected
from jifen.services.imports.runner import ImportCounts, ImportSummary
from jifen.services.members.commands import UpdateMember
from jifen.services.ports import NewMember
from jifen.services.rulebooks import Rulebooks
from tests.earning_fixtures import buy, count, join, line, publish
from tests.factories import assert_verified, balances, key
from tests.import_fixtures import (
    WORKED,
    WORKED_POINTS,
    import_rows,
    order,
    points_by_order,
    run_import,
    stop_after,
    write,
    write_jsonl,
)

TABLES = ("orders", "entries", "lots", "outbox", "idempotency_keys", "rule_usage")


def fresh_market(jf: Jifen, *member_ids: str) -> Program:
    program = publish(jf)
    for m in member_ids or ("C-1", "C-2"):
        join(jf, program, m)
    return program


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_file_earns_the_worked_points_of_each_order(jf: Jifen, tmp_path: Path, fmt: str) -> None:
    program = fresh_market(jf)
    summary = run_import(jf, program, write(tmp_path / f"orders.{fmt}", WORKED, fmt))
    assert (summary.imported, summary.skipped_existing, summary.rejected) == (5, 0, 0)
    assert points_by_order(jf) == WORKED_POINTS
    assert summary.points == 906
    assert balances(jf, program, "C-1") == (866, 0, 0)
    assert balances(jf, program, "C-2") == (40, 0, 0)
    assert import_rows(jf) == [(summary.last_line, 5, 0, True)]
    assert_verified(jf)


def test_importing_a_file_twice_changes_nothing(jf: Jifen, tmp_path: Path) -> None:
    program = fresh_market(jf)
    path = write_jsonl(tmp_path / "orders.jsonl", WORKED)
    run_import(jf, program, path, batch_size=2)
    before = [count(jf, t) for t in TABLES]
    again = run_import(jf, program, path, batch_size=2)
    assert (again.imported, again.skipped_existing, again.rejected, again.points) == (0, 5, 0, 0)
    assert [count(jf, t) for t in TABLES] == before
    assert balances(jf, program, "C-1") == (866, 0, 0)
    assert [r[1:] for r in import_rows(jf)] == [(5, 0, True), (0, 5, True)]
    assert_verified(jf)


def test_an_order_already_recorded_through_the_api_is_skipped(jf: Jifen, tmp_path: Path) -> None:
    program = fresh_market(jf)
    first = WORKED[0]
    buy(
        jf,
        program,
        "C-1",
        "A1",
        "128.50",
        line("eggs-12", 2, "15.00", "dairy", "daily_special"),
        line("bok-choy", 1, "98.50", "vegetables"),
        at=datetime.fromisoformat(first["placed_at"]),
    )
    summary = run_import(jf, program, write_jsonl(tmp_path / "o.jsonl", WORKED[:2]))
    assert (summary.imported, summary.skipped_existing) == (1, 1)
    assert balances(jf, program, "C-1") == (706, 0, 0)


@pytest.mark.parametrize("batch_size", [500, 3])
def test_bad_rows_are_rejected_with_reasons_and_the_rest_of_their_batch_is_kept(
    jf: Jifen, tmp_path: Path, batch_size: int
) -> None:
    program = fresh_market(jf, "C-1", "C-3")
    members.update_member(
        jf.uow(), jf.clock, program, UpdateMember("C-3", {"status": "blocked"}), key()
    )
    a1, a2 = WORKED[0], WORKED[1]
    no_member = {k: v for k, v in a1.items() if k != "member"} | {"order_id": "X4"}
    rows: list[dict[str, Any] | str] = [
        a1,
        a1 | {"order_id": "X2", "member": "C-404"},  # unknown member
        a1 | {"order_id": "X3", "paid": "12,50"},  # malformed money
        no_member,  # missing field
        a1 | {"order_id": "X5", "member": "C-3"},  # blocked member
        a1 | {"store": "S9"},  # A1 again, for a different order
        '{"order_id": "X7", ',  # not JSON
        a2,
    ]
    keys_before = count(jf, "idempotency_keys")
    written: list[Rejected] = []
    summary = run_import(
        jf,
        program,
        write_jsonl(tmp_path / "bad.jsonl", rows),
        batch_size=batch_size,
        rejects=written.extend,
    )
    assert (summary.imported, summary.skipped_existing, summary.rejected) == (2, 0, 6)
    codes = {x.line: (x.order_id, x.reason.split(":")[0]) for x in summary.examples}
    assert codes == {
        2: ("X2", "member_not_found"),
        3: ("X3", "invalid_input"),
        4: ("X4", "invalid_input"),
        5: ("X5", "member_not_active"),
        6: ("A1", "order_id_reused"),
        7: (None, "row_unreadable"),
    }
    reasons = {x.line: x.reason for x in summary.examples}
    assert '"12.50"' in reasons[3] and "member is missing" in reasons[4]
    assert written == summary.examples
    assert points_by_order(jf) == {"A1": 306, "A2": 400}
    assert balances(jf, program, "C-1") == (706, 0, 0)
    assert balances(jf, program, "C-3") == (0, 0, 0)
    # the refused orders left nothing behind, not even their idempotency keys
    assert count(jf, "idempotency_keys") == keys_before + 2
    assert_verified(jf)


def test_a_batch_is_reported_though_the_statistics_after_it_cannot_be_refreshed(
    jf: Jifen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a file whose first batch has a rejected row, and statistics that cannot be
    # refreshed after it (the database went away)
    program = fresh_market(jf, "C-1")
    rows = [WORKED[0], WORKED[0] | {"order_id": "X2", "member": "C-404"}, WORKED[1]]

    def gone(self: object) -> None:
        raise Unavailable("the database is unavailable")

    monkeypatch.setattr(SqlImports, "refresh_statistics", gone)
    reported: list[ImportSummary] = []
    # when it is imported (in lanes, rejected rows travel with the progress report)
    with pytest.raises(Unavailable):
        run_import(
            jf, program, write_jsonl(tmp_path / "a.jsonl", rows), batch_size=2,
            progress=lambda s: reported.append(replace(s, examples=list(s.examples))),
        )  # fmt: skip
    # then the committed batch was reported, its rejected row with it, before the failure
    assert [(s.imported, s.rejected) for s in reported] == [(1, 1)]
    assert [(x.line, x.order_id) for x in reported[0].examples] == [(2, "X2")]
    assert count(jf, "orders") == 1


@pytest.mark.postgres
def test_a_connection_lost_in_a_batch_is_an_outage_and_the_import_resumes(
    pg_jf: Jifen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an import whose connection is cut in the middle of its second batch
    program = fresh_market(pg_jf, "M-1", "M-2", "M-3")
    path = write_orders(tmp_path / "gen.jsonl", 15, ["M-1", "M-2", "M-3"], "jsonl")
    written = OrderRows.write_many
    batches = 0

    def cut(self: OrderRows, uow: Any, items: Any, now: Any) -> Any:
        nonlocal batches
        batches += 1
        if batches == 2:
            pid = uow._conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            url = pg_jf.engine.url.render_as_string(hide_password=False)
            with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return written(self, uow, items, now)

    monkeypatch.setattr(OrderRows, "write_many", cut)
    # when it is imported, then it stops as an outage (the CLI's exit 8: run it again), not
    # as a crash of the row-by-row retry on a dead connection, its first batch kept
    with pytest.raises(Unavailable):
        run_import(pg_jf, program, path, batch_size=5)
    assert count(pg_jf, "orders") == 5
    monkeypatch.undo()
    summary = run_import(pg_jf, program, path, batch_size=5)
    assert (summary.resumed_after > 0, summary.imported) == (True, 15)
    assert count(pg_jf, "orders") == 15
    assert_verified(pg_jf)


def test_a_rejected_order_imports_once_its_member_exists(jf: Jifen, tmp_path: Path) -> None:
    program = fresh_market(jf, "C-1")
    path = write_jsonl(tmp_path / "o.jsonl", WORKED)
    first = run_import(jf, program, path)
    assert (first.imported, first.rejected) == (3, 2)  # C-2 has not joined yet
    join(jf, program, "C-2")
    second = run_import(jf, program, path)
    assert (second.imported, second.skipped_existing, second.rejected) == (2, 3, 0)
    assert points_by_order(jf) == WORKED_POINTS
    assert_verified(jf)


class TrippingRulebooks(Rulebooks):
    """Ctrl-C in the middle of a batch: on the ``trip``-th order looked up."""

    def __init__(self, inner: Rulebooks, trip: int) -> None:
        super().__init__(inner.compiler)
        self.calls = 0
        self.trip = trip

    def current(self, uow: Any, program: Program) -> Any:
        self.calls += 1
        if self.calls == self.trip + 1:  # the first call checks the programme up front
            raise KeyboardInterrupt
        return super().current(uow, program)


def interrupt(jf: Jifen, program: Program, path: Path, how: str) -> None:
    """Stop an import of 25 orders, 10 a batch, while it works on the third batch."""
    if how == "reader_crash":
        rows = stop_after(jf.order_file(path).rows(), 23, RuntimeError("disk gone"))
        run_import(jf, program, path, rows=rows, batch_size=10)
    else:
        jf.rulebooks = TrippingRulebooks(jf.rulebooks, trip=24)  # orders 21-23 were written
        run_import(jf, program, path, batch_size=10)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("how", ["reader_crash", "ctrl_c_mid_batch"])
def test_an_interrupted_import_resumes_after_its_last_committed_batch(
    jf: Jifen, tmp_path: Path, fmt: str, how: str
) -> None:
    program = fresh_market(jf, "M-1", "M-2", "M-3")
    path = write_orders(tmp_path / f"gen.{fmt}", 25, ["M-1", "M-2", "M-3"], fmt)
    lines = [n for n, _ in jf.order_file(path).rows()]
    assert len(lines) == 25
    with pytest.raises((RuntimeError, KeyboardInterrupt)):
        interrupt(jf, program, path, how)
    assert count(jf, "orders") == 20  # two batches committed, the third rolled back
    source = jf.order_file(path)
    begun = imports.begun_import(jf.uow(), program, source.identity)
    assert begun is not None and begun.lanes == 1
    [left] = begun.records
    assert left.last_line == lines[19] == begun.resumed_after
    assert left.counts.imported == 20 and left.finished_at is None
    jf.rulebooks = Rulebooks(jf.compile)
    summary = run_import(jf, program, path, batch_size=10)
    assert summary.resumed_after == lines[19] and summary.rows == 5
    assert (summary.imported, summary.skipped_existing, summary.rejected) == (25, 0, 0)
    assert count(jf, "orders") == 25
    assert import_rows(jf) == [(lines[-1], 25, 0, True)]
    total = sum(balances(jf, program, m)[0] for m in ("M-1", "M-2", "M-3"))
    assert total == summary.points == sum(points_by_order(jf).values())
    assert_verified(jf)


def test_a_checkpoint_moves_on_only_from_where_it_stands(jf: Jifen) -> None:
    """Two runs of one file at once: the slower one's batch is refused, not doubled."""
    program = publish(jf)
    with jf.uow() as uow:
        record = uow.imports.start(program.id, "f" * 64, "o.jsonl", 10, jf.clock.now())
        assert uow.imports.advance(record.id, 0, 10, ImportCounts(10), jf.clock.now())
        assert not uow.imports.advance(record.id, 0, 20, ImportCounts(20), jf.clock.now())
        now = uow.imports.unfinished(program.id, "f" * 64)
    assert now == replace(record, last_line=10, counts=ImportCounts(10))
    assert record.last_line == 0 and record.finished_at is None


def add_and_fail(uow: Any, program: Program, member: str, now: datetime) -> None:
    with uow.savepoint():
        uow.members.add(program.id, NewMember(member), now)
        raise RuntimeError("this order fails")


def test_a_savepoint_undoes_only_its_own_writes(jf: Jifen) -> None:
    program = publish(jf)
    with jf.uow() as uow:
        uow.members.add(program.id, NewMember("kept"), jf.clock.now())
        with pytest.raises(RuntimeError, match="this order fails"):
            add_and_fail(uow, program, "undone", jf.clock.now())
        with uow.savepoint():
            uow.members.add(program.id, NewMember("after"), jf.clock.now())
        uow.commit()
    with jf.uow(write=False) as uow:
        found = {m: uow.members.get(program.id, m) is not None for m in ("kept", "undone", "after")}
    assert found == {"kept": True, "undone": False, "after": True}


def test_nothing_is_read_before_the_programme_has_rules(
    jf: Jifen, program: Program, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "o.jsonl", [order("A1", "C-1", "x", "1.00")])
    with pytest.raises(NotFound) as err:
        run_import(jf, program, path, rows=stop_after([(1, {})], 0, AssertionError("read")))
    assert err.value.code == "program_not_published"


@pytest.mark.parametrize(
    "database_url",
    [pytest.param("postgresql", marks=pytest.mark.postgres, id="postgres")],
    indirect=True,
)
def test_an_import_brings_the_planners_statistics_of_the_tables_it_grows_up_to_date(
    jf: Jifen, tmp_path: Path
) -> None:
    """Planned for a new programme's empty tables, a batch's key lookups read every key of
    the programme instead of their own: an import of 50,000 orders slowed as it went."""
    ids = [f"M{n}" for n in range(5)]
    program = fresh_market(jf, *ids)

    def planned_keys() -> float:
        with jf.engine.connect() as conn:
            found = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'idempotency_keys'")
            ).scalar_one()
            return float(found)

    assert planned_keys() <= 0  # never analysed since the tables were emptied
    path = write_orders(tmp_path / "orders.jsonl", 30, ids)
    summary = run_import(jf, program, path, batch_size=10)
    assert summary.imported == 30
    # analysed after batches 1 and 2 (and 4, 8, ...), not 3: every key but the last batch's
    assert planned_keys() == count(jf, "idempotency_keys") - 10

"""Importing legacy balances: worked lots, idempotence, rejected rows, resuming.

The fake clock stands on Sunday 2026-03-01, noon in Shanghai (see
tests/balance_fixtures.py for the worked numbers).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import NotFound
from jifen.domain.programs import Program
from jifen.services import imports, members
from jifen.services.imports.rows import Rejected
from jifen.services.members.commands import UpdateMember
from jifen.services.rulebooks import Rulebooks
from tests.balance_fixtures import (
    WORKED,
    WORKED_BALANCES,
    imported_lots,
    lot,
    run_import,
    worked_lots,
    write,
)
from tests.earning_fixtures import count, join, publish
from tests.factories import FakeClock, assert_verified, balances, key
from tests.import_fixtures import import_rows, stop_after, write_jsonl

TABLES = ("members", "entries", "lots", "outbox", "idempotency_keys")


def fresh_market(jf: Jifen, *member_ids: str) -> Program:
    program = publish(jf)
    for m in member_ids:
        join(jf, program, m)
    return program


def expiring_30d(jf: Jifen, program: Program, member: str) -> int:
    return members.get_member(jf.uow(write=False), jf.clock, program, member).expiring_30d


def created_members(jf: Jifen) -> list[str]:
    with jf.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT payload FROM outbox WHERE topic = 'member.created' ORDER BY id")
        ).all()
    payloads = [r[0] if isinstance(r[0], dict) else json.loads(r[0]) for r in rows]
    return [p["member"] for p in payloads]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_file_opens_the_worked_balances_as_lots_that_expire(
    jf: Jifen, tmp_path: Path, fmt: str
) -> None:
    # given C-1 has joined; C-2 and C-3 have not
    program = fresh_market(jf, "C-1")
    # when the file is imported
    summary = run_import(jf, program, write(tmp_path / f"balances.{fmt}", WORKED, fmt))
    # then every row is one lot, the new members joined, and the ledger proves it
    assert (summary.imported, summary.skipped_existing, summary.rejected) == (5, 0, 0)
    assert summary.points == 2100
    assert {m: balances(jf, program, m) for m in WORKED_BALANCES} == {
        m: (points, 0, 0) for m, points in WORKED_BALANCES.items()
    }
    assert imported_lots(jf) == worked_lots()
    assert created_members(jf) == ["C-1", "C-2", "C-3"]
    assert import_rows(jf) == [(summary.last_line, 5, 0, True)]
    assert_verified(jf)


def test_the_entries_are_earn_entries_with_their_reference_and_earning_date(
    jf: Jifen, tmp_path: Path
) -> None:
    program = fresh_market(jf)
    run_import(jf, program, write_jsonl(tmp_path / "b.jsonl", WORKED[:2]))
    page = members.history(jf.uow(write=False), program, "C-1", None, 10)
    earned = sorted((x.kind, x.points, x.reference, x.meta["earned_at"]) for x in page.items)
    assert earned == [
        ("earn", 300, "2025", "2025-06-15T00:00:00+08:00"),
        ("earn", 1200, "opening", jf.clock.now().isoformat()),
    ]


def test_imported_lots_expire_when_their_end_comes(jf: Jifen, tmp_path: Path) -> None:
    program = fresh_market(jf, "C-1")
    run_import(jf, program, write_jsonl(tmp_path / "b.jsonl", WORKED))
    assert expiring_30d(jf, program, "C-3") == 20  # tonight; the 80 at the end of April
    assert isinstance(jf.clock, FakeClock)
    jf.clock.set(datetime.fromisoformat("2026-04-15T12:00:00+08:00"))
    assert expiring_30d(jf, program, "C-3") == 80
    jf.clock.set(datetime.fromisoformat("2026-05-20T12:00:00+08:00"))
    assert expiring_30d(jf, program, "C-1") == 300  # the 2025 lot ends on 15 June
    assert expiring_30d(jf, program, "C-3") == 0


def test_importing_a_file_twice_changes_nothing(jf: Jifen, tmp_path: Path) -> None:
    program = fresh_market(jf, "C-1")
    path = write_jsonl(tmp_path / "balances.jsonl", WORKED)
    run_import(jf, program, path, batch_size=2)
    before = [count(jf, t) for t in TABLES]
    assert isinstance(jf.clock, FakeClock)
    jf.clock.advance(days=1)  # even a day later, when "now" and "today" have moved on
    again = run_import(jf, program, path, batch_size=2)
    assert (again.imported, again.skipped_existing, again.rejected, again.points) == (0, 5, 0, 0)
    assert [count(jf, t) for t in TABLES] == before
    assert balances(jf, program, "C-1") == (1500, 0, 0)
    assert [r[1:] for r in import_rows(jf)] == [(5, 0, True), (0, 5, True)]
    assert_verified(jf)


def reasons(summary: Any) -> dict[int, tuple[str | None, str]]:
    return {x.line: (x.subject, x.reason.split(":")[0]) for x in summary.examples}


@pytest.mark.parametrize("batch_size", [500, 3])
def test_bad_rows_are_rejected_with_reasons_and_the_rest_of_their_batch_is_kept(
    jf: Jifen, tmp_path: Path, batch_size: int
) -> None:
    program = fresh_market(jf, "C-1", "C-4")
    members.update_member(
        jf.uow(), jf.clock, program, UpdateMember("C-4", {"status": "blocked"}), key()
    )
    rows: list[dict[str, Any] | str] = [
        lot("C-1", 1000),
        lot("C-1", 0, reference="zero"),
        lot("C-1", -5, reference="negative"),
        lot("C-1", 1.5, reference="decimal"),
        lot("C-1", 1_000_000_001, reference="huge"),
        lot(
            "C-1", 10, expires_at="2026-02-28", reference="feb"
        ),  # ended at midnight: already expired
        lot(
            "C-1", 10, earned_at="2024-06-01", reference="2024"
        ),  # 12 months later: already expired
        lot("C-1", 10, earned_at="2026-03-02"),
        lot("C-4", 10),  # blocked
        lot("C-1", 999),  # C-1's "opening" again, with other points
        '{"member": "C-7", ',
        lot("C-1", 10, expires_at="2026-12-31T23:59:59"),  # no offset
        {"points": 10},
        lot("C-5", 10, colour="red"),
        lot("C-5", 250, reference="from-pos"),  # a new member, kept
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
    assert (summary.imported, summary.skipped_existing, summary.rejected) == (2, 0, 13)
    assert reasons(summary) == {
        2: ("C-1", "invalid_input"),
        3: ("C-1", "invalid_input"),
        4: ("C-1", "invalid_input"),
        5: ("C-1", "invalid_input"),
        6: ("C-1", "already_expired"),
        7: ("C-1", "already_expired"),
        8: ("C-1", "earned_in_future"),
        9: ("C-4", "member_not_active"),
        10: ("C-1", "reference_reused"),
        11: (None, "row_unreadable"),
        12: ("C-1", "invalid_input"),
        13: (None, "invalid_input"),
        14: ("C-5", "invalid_input"),
    }
    text_of = {x.line: x.reason for x in summary.examples}
    assert "points must be at least 1, not 0" in text_of[2]
    assert "points must be at least 1, not -5" in text_of[3]
    assert "points must be a whole number, not 1.5" in text_of[4]
    assert "points must be at most 1000000000, not 1000000001" in text_of[5]
    assert "expired at 2026-03-01T00:00:00+08:00" in text_of[6]
    assert "expiry policy" in text_of[7] and "2025-06-01T00:00:00+08:00" in text_of[7]
    assert "reference 'opening'" in text_of[10]
    assert "time with an offset" in text_of[12] and "member is missing" in text_of[13]
    assert "unknown field colour" in text_of[14]
    assert written == summary.examples
    assert balances(jf, program, "C-1") == (1000, 0, 0)
    assert balances(jf, program, "C-4") == (0, 0, 0)
    assert balances(jf, program, "C-5") == (250, 0, 0)
    # the refused rows left nothing behind: no keys, no member C-7 or C-5 twice
    assert count(jf, "idempotency_keys") == keys_before + 2
    assert created_members(jf) == ["C-1", "C-4", "C-5"]
    assert_verified(jf)


def test_a_rejected_balance_imports_once_its_member_is_unblocked(jf: Jifen, tmp_path: Path) -> None:
    program = fresh_market(jf, "C-1")
    members.update_member(
        jf.uow(), jf.clock, program, UpdateMember("C-1", {"status": "blocked"}), key()
    )
    path = write_jsonl(tmp_path / "b.jsonl", WORKED)
    first = run_import(jf, program, path)
    assert (first.imported, first.rejected) == (3, 2)
    members.update_member(
        jf.uow(), jf.clock, program, UpdateMember("C-1", {"status": "active"}), key()
    )
    second = run_import(jf, program, path)
    assert (second.imported, second.skipped_existing, second.rejected) == (2, 3, 0)
    assert imported_lots(jf) == worked_lots()
    assert_verified(jf)


class TrippingRulebooks(Rulebooks):
    """Ctrl-C in the middle of a batch: on the ``trip``-th balance credited."""

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
    """Stop an import of 25 balances, 10 a batch, while it works on the third batch."""
    if how == "reader_crash":
        rows = stop_after(jf.balance_file(path).rows(), 23, RuntimeError("disk gone"))
        run_import(jf, program, path, rows=rows, batch_size=10)
    else:
        jf.rulebooks = TrippingRulebooks(jf.rulebooks, trip=24)  # rows 21-23 were written
        run_import(jf, program, path, batch_size=10)


PEOPLE = ("M-1", "M-2", "M-3")
GENERATED = [lot(PEOPLE[i % 3], 100 + i, reference=f"r-{i}") for i in range(25)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("how", ["reader_crash", "ctrl_c_mid_batch"])
def test_an_interrupted_import_resumes_after_its_last_committed_batch(
    jf: Jifen, tmp_path: Path, fmt: str, how: str
) -> None:
    program = fresh_market(jf, "M-1")  # M-2 and M-3 join with their first row
    path = write(tmp_path / f"gen.{fmt}", GENERATED, fmt)
    lines = [n for n, _ in jf.balance_file(path).rows()]
    assert len(lines) == 25
    with pytest.raises((RuntimeError, KeyboardInterrupt)):
        interrupt(jf, program, path, how)
    assert count(jf, "lots") == 20  # two batches committed, the third rolled back
    begun = imports.begun_import(jf.uow(), program, jf.balance_file(path).identity)
    assert begun is not None and begun.lanes == 1
    [left] = begun.records
    assert left.last_line == lines[19] == begun.resumed_after
    assert left.counts.imported == 20 and left.finished_at is None
    jf.rulebooks = Rulebooks(jf.compile)
    summary = run_import(jf, program, path, batch_size=10)
    assert summary.resumed_after == lines[19] and summary.rows == 5
    assert (summary.imported, summary.skipped_existing, summary.rejected) == (25, 0, 0)
    assert import_rows(jf) == [(lines[-1], 25, 0, True)]
    expected = {m: sum(100 + i for i in range(25) if PEOPLE[i % 3] == m) for m in PEOPLE}
    assert {m: balances(jf, program, m)[0] for m in PEOPLE} == expected
    assert summary.points == sum(expected.values()) == 25 * 100 + 300
    assert_verified(jf)


def test_nothing_is_read_before_the_programme_has_rules(
    jf: Jifen, program: Program, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "b.jsonl", WORKED)
    with pytest.raises(NotFound) as err:
        run_import(jf, program, path, rows=stop_after([(1, {})], 0, AssertionError("read")))
    assert err.value.code == "program_not_published"

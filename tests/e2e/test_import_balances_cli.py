"""``jifen import balances``, run as a subprocess against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jifen.bootstrap import Jifen
from tests.balance_fixtures import lot, write_csv
from tests.e2e.test_import_cli import fresh_market, jifen
from tests.earning_fixtures import count
from tests.factories import assert_verified, balances
from tests.import_fixtures import import_rows, write_jsonl

pytestmark = pytest.mark.e2e


def today_in_shanghai() -> date:
    """The programme's local date: the one the command judges expiry by."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def legacy() -> list[dict[str, Any]]:
    """Balances around today (the command runs on the real clock): 2,100 points in five lots."""
    today = today_in_shanghai()
    return [
        lot("C-1", 1200, expires_at=(today + timedelta(days=300)).isoformat()),
        lot("C-1", 300, earned_at=(today - timedelta(days=30)).isoformat(), reference="2025"),
        lot("C-2", 500),
        lot("C-3", 80, expires_at=(today + timedelta(days=60)).isoformat()),
        lot("C-3", 20, expires_at=today.isoformat(), reference="last-day"),  # to tonight
    ]


def test_an_import_reports_what_it_did_and_a_second_run_changes_nothing(
    jf: Jifen, tmp_path: Path
) -> None:
    # given C-1 has joined, and a file with the worked balances and one that ended yesterday
    program = fresh_market(jf, "C-1")
    yesterday = (today_in_shanghai() - timedelta(days=1)).isoformat()
    path = write_csv(tmp_path / "balances.csv", [*legacy(), lot("C-9", 40, expires_at=yesterday)])
    # when it is imported
    done = jifen(jf, tmp_path, "import", "balances", str(path), "--rejects", "rejects.csv")
    # then the summary counts it, the rejects file names the row, and the ledger verifies
    assert done.returncode == 1, done.stderr
    reason = (
        f"already_expired: these points expired at {today_in_shanghai().isoformat()}T00:00:00+08:00, "
        "before they were imported"
    )
    for expected in (
        "imported          5",
        "skipped_existing  0",
        "rejected          1",
        "points credited   2,100",
        f"line 7: member C-9: {reason}",
        "every one is in rejects.csv",
    ):
        assert expected in done.stdout
    assert (tmp_path / "rejects.csv").read_text().splitlines() == [
        "line,member,reason",
        f'7,C-9,"{reason}"',
    ]
    assert balances(jf, program, "C-1") == (1500, 0, 0)
    assert balances(jf, program, "C-3") == (100, 0, 0)
    assert jifen(jf, tmp_path, "verify").returncode == 0
    again = jifen(jf, tmp_path, "import", "balances", str(path))
    assert again.returncode == 1
    assert "imported          0" in again.stdout and "skipped_existing  5" in again.stdout
    assert "points credited   0" in again.stdout
    assert balances(jf, program, "C-1") == (1500, 0, 0)
    # each run's checkpoints (one a lane: on PostgreSQL, one a core) all finished
    lanes = jf.import_lanes
    runs = [import_rows(jf)[:lanes], import_rows(jf)[lanes:]]
    assert [len(run) for run in runs] == [lanes, lanes]
    totals = [(sum(r[1] for r in run), sum(r[2] for r in run)) for run in runs]
    assert totals == [(5, 0), (0, 5)] and all(r[3] for r in import_rows(jf))


def test_a_clean_json_lines_import_in_small_batches_exits_0(jf: Jifen, tmp_path: Path) -> None:
    program = fresh_market(jf)
    path = write_jsonl(tmp_path / "legacy.txt", legacy())
    args = ("--format", "jsonl", "--batch-size", "2", "-p", "fresh-market")
    done = jifen(jf, tmp_path, "import", "balances", str(path), *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported          5" in done.stdout and "rejected          0" in done.stdout
    assert balances(jf, program, "C-2") == (500, 0, 0)
    assert_verified(jf)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("b.csv", "member,balance\nC-1,5\n", "error: import_csv_header: b.csv: the header needs"),
        ("b.xlsx", "", "error: import_format_unknown: b.xlsx: cannot tell the format"),
        ("b.csv", None, "error: import_file_unreadable: b.csv: cannot read"),
    ],
)
def test_an_unusable_file_is_one_line_and_exit_2(
    jf: Jifen, tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    fresh_market(jf)
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    done = jifen(jf, tmp_path, "import", "balances", name)
    assert done.returncode == 2
    [only] = done.stderr.strip().splitlines()
    assert only.startswith(message)
    assert count(jf, "lots") == 0


def test_the_help_explains_the_file(jf: Jifen, tmp_path: Path) -> None:
    done = jifen(jf, tmp_path, "import", "balances", "--help")
    assert done.returncode == 0
    for words in ("member,points,expires_at,earned_at,reference", "reference_reused", "--rejects"):
        assert words in done.stdout

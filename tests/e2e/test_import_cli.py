"""``jifen import orders``, run as a subprocess against SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bench.orders_file import write_orders

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.cli.import_lanes import Job, run_in_lanes
from jifen.entrypoints.cli.imports import ORDERS
from jifen.services.imports import Rejected
from jifen.services.imports.lanes import lane_of
from tests.earning_fixtures import count, join, publish
from tests.factories import assert_verified, balances
from tests.import_fixtures import WORKED, import_rows, order, write_csv, write_jsonl

pytestmark = pytest.mark.e2e

CLI = [sys.executable, "-m", "jifen.entrypoints.cli.main"]


def env_for(jf: Jifen) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_ENVIRONMENT"] = "test"
    env["JIFEN_DATABASE_URL"] = jf.engine.url.render_as_string(hide_password=False)
    return env


def jifen(jf: Jifen, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env_for(jf),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def fresh_market(jf: Jifen, *member_ids: str) -> Program:
    program = publish(jf)
    for m in member_ids:
        join(jf, program, m)
    return program


def test_an_import_reports_what_it_did_and_exits_1_for_rejected_rows(
    jf: Jifen, tmp_path: Path
) -> None:
    program = fresh_market(jf, "C-1", "C-2")
    path = write_jsonl(
        tmp_path / "orders.jsonl",
        [*WORKED, order("X9", "C-404", "2026-02-10T10:00:00+08:00", "5.00")],
    )
    done = jifen(jf, tmp_path, "import", "orders", str(path), "--rejects", "rejects.csv")
    assert done.returncode == 1, done.stderr
    for expected in (
        "imported          5",
        "skipped_existing  0",
        "rejected          1",
        "points awarded    906",
        "line 6: order X9: member_not_found: member C-404 not found",
        "every one is in rejects.csv",
    ):
        assert expected in done.stdout
    assert (tmp_path / "rejects.csv").read_text().splitlines() == [
        "line,order_id,reason",
        "6,X9,member_not_found: member C-404 not found",
    ]
    assert balances(jf, program, "C-1") == (866, 0, 0)
    assert jifen(jf, tmp_path, "verify").returncode == 0
    again = jifen(jf, tmp_path, "import", "orders", str(path))
    assert again.returncode == 1
    assert "imported          0" in again.stdout and "skipped_existing  5" in again.stdout
    assert balances(jf, program, "C-1") == (866, 0, 0)


def test_a_clean_csv_import_exits_0(jf: Jifen, tmp_path: Path) -> None:
    program = fresh_market(jf, "C-1", "C-2")
    path = write_csv(tmp_path / "export.txt", WORKED)
    done = jifen(
        jf, tmp_path, "import", "orders", str(path), "--format", "csv", "-p", "fresh-market"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported          5" in done.stdout and "rejected          0" in done.stdout
    assert balances(jf, program, "C-2") == (40, 0, 0)
    assert_verified(jf)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("missing.jsonl",), 2, "error: import_file_unreadable: missing.jsonl: cannot read"),
        (("orders.xlsx",), 2, "error: import_format_unknown: orders.xlsx: cannot tell the format"),
        (("orders.jsonl", "-p", "nope"), 3, "error: program_not_found: programme nope not found"),
    ],
)
def test_an_unusable_file_or_programme_is_one_line_and_a_non_zero_exit(
    jf: Jifen, tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    fresh_market(jf)
    write_jsonl(tmp_path / "orders.jsonl", WORKED)
    done = jifen(jf, tmp_path, "import", "orders", *args)
    assert done.returncode == code
    [only] = done.stderr.strip().splitlines()
    assert only.startswith(message)
    assert count(jf, "orders") == 0


ROWS = 1000


def test_ctrl_c_keeps_whole_batches_and_the_same_command_finishes_the_job(
    jf: Jifen, tmp_path: Path
) -> None:
    # one lane on SQLite; two processes side by side on PostgreSQL, each with its checkpoint
    lanes = 2 if jf.engine.dialect.name == "postgresql" else 1
    people = [f"M-{i}" for i in range(1, 21)]
    program = fresh_market(jf, *people)
    path = write_orders(tmp_path / "history.jsonl", ROWS, people, "jsonl")
    args = ["import", "orders", str(path), "--batch-size", "5", "--lanes", str(lanes)]
    # a shell's background job ignores SIGINT, and Python keeps an ignored SIGINT: the
    # import is started with Python's own Ctrl-C handler, however the tests were started
    hears_ctrl_c = [
        sys.executable,
        "-c",
        "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "runpy.run_module('jifen.entrypoints.cli.main', run_name='__main__')",
    ]
    with subprocess.Popen(
        [*hears_ctrl_c, *args],
        env=env_for(jf),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as running:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            len(import_rows(jf)) == lanes and all(row[0] > 0 for row in import_rows(jf))
        ):
            time.sleep(0.01)
        running.send_signal(signal.SIGINT)  # to the command alone: it stops its lanes
        _, stderr = running.communicate(timeout=60)
    assert running.returncode == 130, stderr.decode()
    assert "run the same command again to resume" in stderr.decode()
    stopped = import_rows(jf)
    assert len(stopped) == lanes and not any(finished for *_, finished in stopped)
    imported = sum(row[1] for row in stopped)
    assert 0 < imported < ROWS
    assert all(row[1] % 5 == 0 for row in stopped)  # whole batches only, in every lane
    assert count(jf, "orders") == imported
    line = min(row[0] for row in stopped)  # every row up to here is in, in every lane
    done = jifen(jf, tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert f"resumed after line {line}" in done.stdout
    assert f"imported          {ROWS:,}" in done.stdout and "skipped_existing  0" in done.stdout
    assert count(jf, "orders") == ROWS
    ended = import_rows(jf)
    assert len(ended) == lanes and all(finished for *_, finished in ended)
    assert sum(row[1] for row in ended) == ROWS and max(row[0] for row in ended) == ROWS
    assert sum(balances(jf, program, m)[0] for m in people) > ROWS
    assert_verified(jf)


def test_sqlite_refuses_lanes_in_one_line(tmp_path: Path, sqlite_jf: Jifen) -> None:
    fresh_market(sqlite_jf, "C-1")
    path = write_jsonl(tmp_path / "orders.jsonl", WORKED)
    done = jifen(sqlite_jf, tmp_path, "import", "orders", str(path), "--lanes", "2")
    assert done.returncode == 2
    [only] = done.stderr.strip().splitlines()
    assert (
        only == "error: invalid_input: SQLite has one writer: an import on SQLite runs in one lane"
    )
    assert count(sqlite_jf, "orders") == 0


def lane_processes(command: int) -> list[int]:
    """The processes ``command`` started (its lanes), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == command:
            found.append(int(stat.parent.name))
    return found


def running(jf: Jifen, tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CLI, *args], env=env_for(jf), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for_batches(jf: Jifen, lanes: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        len(import_rows(jf)) == lanes and all(row[0] > 0 for row in import_rows(jf))
    ):
        time.sleep(0.01)


@pytest.mark.postgres
def test_a_lane_killed_fails_the_import_and_the_same_command_finishes_it(
    pg_jf: Jifen, tmp_path: Path
) -> None:
    people = [f"M-{i}" for i in range(1, 41)]
    program = fresh_market(pg_jf, *people)
    path = write_orders(tmp_path / "history.jsonl", 3 * ROWS, people, "jsonl")
    args = ["import", "orders", str(path), "--batch-size", "5", "--lanes", "2"]
    with running(pg_jf, tmp_path, *args) as command:
        wait_for_batches(pg_jf, 2)
        os.kill(lane_processes(command.pid)[0], signal.SIGKILL)
        _, stderr = command.communicate(timeout=60)
    # the command stops the other lane and says what to do, with the exit of an outage
    assert command.returncode == 8, stderr.decode()
    [only] = stderr.decode().strip().splitlines()[-1:]
    assert "error: database_unavailable: lane" in only and "run the same command again" in only
    left = import_rows(pg_jf)
    assert len(left) == 2 and not any(finished for *_, finished in left)
    assert count(pg_jf, "orders") == sum(row[1] for row in left) < 3 * ROWS
    # and the same command resumes both lanes and finishes
    done = jifen(pg_jf, tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert "in 2 lanes after line" in done.stderr
    assert count(pg_jf, "orders") == 3 * ROWS
    assert all(finished for *_, finished in import_rows(pg_jf))
    assert sum(balances(pg_jf, program, m)[0] for m in people) > 3 * ROWS
    assert_verified(pg_jf)


def writing_to_a_full_pipe(pid: int) -> bool:
    """Whether a thread of process ``pid`` waits to write into a pipe nobody reads."""
    for wchan in Path(f"/proc/{pid}/task").glob("*/wchan"):
        try:
            if "pipe_write" in wchan.read_text():
                return True
        except OSError:
            continue  # gone meanwhile
    return False


@pytest.mark.postgres
def test_a_lane_killed_in_the_middle_of_a_report_fails_the_import_at_once(
    pg_jf: Jifen, tmp_path: Path
) -> None:
    # given a file whose rows are all rejected (nobody is a member) and all in lane 1 of 2,
    # in batches whose report of rejected rows is more than a pipe holds
    fresh_market(pg_jf, "C-1")
    people = [m for m in (f"NOBODY-{i}" for i in range(200)) if lane_of(m, 2) == 1]
    at = "2026-02-10T10:00:00+08:00"
    rows = [order(f"N{i}-{'x' * 100}", people[i % len(people)], at, "5.00") for i in range(3000)]
    path = write_jsonl(tmp_path / "orders.jsonl", rows)
    args = ["import", "orders", str(path), "--batch-size", "1000", "--lanes", "2"]
    with running(pg_jf, tmp_path, *args) as command:
        try:
            # when the command stops reading, lane 1 stops in the middle of its first report
            deadline = time.monotonic() + 60
            while len(lane_processes(command.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(command.pid, signal.SIGSTOP)
            while time.monotonic() < deadline and not (
                writing := [p for p in lane_processes(command.pid) if writing_to_a_full_pipe(p)]
            ):
                time.sleep(0.05)
            # and is killed there, and the command goes on
            [lane] = writing
            os.kill(lane, signal.SIGKILL)
        finally:
            os.kill(command.pid, signal.SIGCONT)
        try:
            # then the half report does not stall the command: it fails at once, with the
            # exit of an outage and what to do
            _, stderr = command.communicate(timeout=30)
        finally:
            command.kill()
    assert command.returncode == 8, stderr.decode()
    [only] = stderr.decode().strip().splitlines()[-1:]
    assert "error: database_unavailable: lane 1 of the import stopped" in only
    assert count(pg_jf, "orders") == 0


@pytest.mark.postgres
def test_lanes_stop_after_their_batch_when_the_command_is_killed(
    pg_jf: Jifen, tmp_path: Path
) -> None:
    people = [f"M-{i}" for i in range(1, 41)]
    fresh_market(pg_jf, *people)
    path = write_orders(tmp_path / "history.jsonl", 5 * ROWS, people, "jsonl")
    args = ["import", "orders", str(path), "--batch-size", "1", "--lanes", "2"]
    with running(pg_jf, tmp_path, *args) as command:
        wait_for_batches(pg_jf, 2)
        lanes = lane_processes(command.pid)
        # the command stops reading the lanes' reports for a while (the pipe between them
        # fills up), then dies: a lane must not wait at its exit for the pipe to empty
        os.kill(command.pid, signal.SIGSTOP)
        time.sleep(3)
        command.kill()
        command.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in lanes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in lanes)
    # (left on their own they would have gone on to the end of the file)
    assert count(pg_jf, "orders") < 5 * ROWS
    assert_verified(pg_jf)


@pytest.mark.postgres
def test_a_command_that_cannot_go_on_stops_its_lanes_and_reads_them_out(
    pg_jf: Jifen, tmp_path: Path
) -> None:
    # given a file of rows that are all rejected (their reports fill the pipe quickly), and a
    # rejects file that cannot be written (a disk full)
    program = fresh_market(pg_jf, "C-1")
    rows = [order(f"N{i}", f"NOBODY-{i}", "2026-02-10T10:00:00+08:00", "5.00") for i in range(4000)]
    source = pg_jf.order_file(write_jsonl(tmp_path / "orders.jsonl", rows))

    def full(rejected: Sequence[Rejected]) -> None:
        raise OSError(28, "No space left on device")

    job = Job(pg_jf, ORDERS, program, source, 5)

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the command and its lanes hang")

    # when the import runs in two lanes, then the command raises the error soon, its lanes
    # stopped after their batch and read out (not left waiting at their exit for ever)
    before = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        with pytest.raises(OSError, match="No space left"):
            run_in_lanes(job, 2, lambda *_: None, full)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    assert count(pg_jf, "orders") == 0


def test_rows_dated_in_the_future_are_rejected_within_the_configured_skew(
    jf: Jifen, tmp_path: Path
) -> None:
    # given rows one hour and three hours ahead of this machine's clock, and a year-1 row
    fresh_market(jf, "C-1")
    ahead = datetime.now(UTC) + timedelta(hours=1)
    rows = [
        order("F1", "C-1", ahead.isoformat(), "5.00"),
        order("F3", "C-1", (ahead + timedelta(hours=2)).isoformat(), "5.00"),
        order("Y1", "C-1", "0001-01-01T00:00:00+08:00", "5.00"),
    ]
    path = write_jsonl(tmp_path / "future.jsonl", rows)
    # when imported with the default skew (300 s), then every row is rejected with its code
    done = jifen(jf, tmp_path, "import", "orders", str(path))
    assert done.returncode == 1, done.stderr
    assert "order F1: date_in_future" in done.stdout
    assert "order Y1: date_out_of_range" in done.stdout
    # and with a skew of two hours the first is taken
    env = {**env_for(jf), "JIFEN_CLOCK_SKEW_SECONDS": "7200"}
    again = subprocess.run(
        [*CLI, "import", "orders", str(path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "imported          1" in again.stdout, again.stdout
    assert "order F3: date_in_future" in again.stdout

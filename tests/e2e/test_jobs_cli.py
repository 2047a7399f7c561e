"""``jifen jobs run``, ``jifen settle`` and ``jifen worker --once`` as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.services import ledger, members, programs
from jifen.services.ledger.commands import Earn
from jifen.services.members.commands import CreateMember
from tests.factories import FakeClock

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_FILE = ROOT / "programs" / "fresh-market.yaml"
CLI = [sys.executable, "-m", "jifen.entrypoints.cli.main"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def jifen(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_ENVIRONMENT"] = "test"
    env["JIFEN_DATABASE_URL"] = url
    env["COLUMNS"] = "160"
    return subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def scalar(url: str, sql: str) -> int:
    jf = bootstrap(Settings(database_url=url))
    try:
        with jf.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        jf.close()


@pytest.fixture
def seeded(database_url: str, tmp_path: Path) -> str:
    """Three days ago: points that have expired since, pending points now due, and more."""
    jf = bootstrap(Settings(database_url=database_url), clock=FakeClock(datetime.now(UTC)))
    assert isinstance(jf.clock, FakeClock)
    jf.clock.advance(days=-3)
    source = PROGRAM_FILE.read_text(encoding="utf-8")
    program, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, source, "fresh-market", actor="test"
    )
    now = jf.clock.now()
    for n in range(6):
        ext = f"C-{n}"
        members.create_member(jf.uow(), jf.clock, program, CreateMember(ext), f"join-{n}")
        for i, (available, ends) in enumerate(
            [(None, now + timedelta(days=1)), (now + timedelta(days=1), None), (None, None)]
        ):
            cmd = Earn(ext, 10 * (n + 1), available_at=available, expires_at=ends)
            ledger.earn(jf.uow(), jf.clock, program, cmd, f"earn-{n}-{i}")
    jf.close()
    return database_url


def test_jobs_run_settles_the_night_and_a_second_run_does_nothing(
    seeded: str, tmp_path: Path
) -> None:
    today = datetime.now(SHANGHAI).date()
    done = jifen(seeded, tmp_path, "jobs", "run")
    assert done.returncode == 0, done.stderr
    assert f"night of {today} for fresh-market: cut-off {today} 00:00 Asia/Shanghai" in done.stdout
    lines = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line}
    assert lines["expire_lots"][1:3] == ["6", "6"]  # members, entries
    assert lines["mature_pending"][1:3] == ["6", "6"]
    assert scalar(seeded, "SELECT COUNT(*) FROM entries WHERE kind IN ('expire', 'mature')") == 12
    assert jifen(seeded, tmp_path, "verify").returncode == 0

    again = jifen(seeded, tmp_path, "jobs", "run", "--as-of", str(today))
    assert again.returncode == 0, again.stderr
    assert "nothing to do: this night was already done" in again.stdout
    assert scalar(seeded, "SELECT COUNT(*) FROM entries WHERE kind IN ('expire', 'mature')") == 12


@pytest.mark.parametrize(
    ("as_of", "says"),
    [("2026-13-01", "--as-of must be a date such as"), ("2999-01-01", "has not started yet")],
    ids=["not-a-date", "future"],
)
def test_jobs_run_refuses_a_bad_day_with_one_line(
    seeded: str, tmp_path: Path, as_of: str, says: str
) -> None:
    done = jifen(seeded, tmp_path, "jobs", "run", "--as-of", as_of)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: invalid_input: ") and says in lines[0]
    assert scalar(seeded, "SELECT COUNT(*) FROM pipeline_runs") == 0


def test_settle_still_settles_what_is_due_now(seeded: str, tmp_path: Path) -> None:
    done = jifen(seeded, tmp_path, "settle")
    assert done.returncode == 0, done.stderr
    assert "settled 12 members with 12 entries" in done.stderr
    again = jifen(seeded, tmp_path, "settle")
    assert "settled 0 members with 0 entries" in again.stderr


def test_worker_once_runs_the_night_and_publishes_the_outbox(seeded: str, tmp_path: Path) -> None:
    assert scalar(seeded, "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL") > 0
    done = jifen(seeded, tmp_path, "worker", "--once", "--run-at", "00:00")
    assert done.returncode == 0, done.stderr
    assert "published" in done.stderr
    assert scalar(seeded, "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL") == 0
    assert scalar(seeded, "SELECT COUNT(*) FROM pipeline_runs WHERE finished_at IS NULL") == 0
    lanes = 2 if seeded.startswith("postgresql") else 1  # PostgreSQL walks two id ranges at once
    assert scalar(seeded, "SELECT COUNT(*) FROM pipeline_runs") == 6 * lanes  # each step, lane


def test_worker_stops_cleanly_on_sigterm(seeded: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_ENVIRONMENT"] = "test"
    env.update(JIFEN_DATABASE_URL=seeded, JIFEN_WORKER_POLL_SECONDS="0.2")
    worker = subprocess.Popen(
        [*CLI, "worker"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        assert worker.stderr is not None
        assert "worker: nights from 02:00" in worker.stderr.readline()
        # it runs the night and publishes the outbox while it runs (the first round drains
        # before the night: an empty outbox alone does not say the night is over)
        lanes = 2 if seeded.startswith("postgresql") else 1
        for _ in range(300):
            done = scalar(
                seeded, "SELECT COUNT(*) FROM pipeline_runs WHERE finished_at IS NOT NULL"
            )
            if done == 6 * lanes and (
                scalar(seeded, "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL") == 0
            ):
                break
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        worker.kill()
    assert scalar(seeded, "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL") == 0

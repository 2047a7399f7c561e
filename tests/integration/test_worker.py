"""The worker: one runner per night across processes, the schedule, and the outbox drain."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import pytest

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.errors import Conflict
from jifen.domain.programs import Program
from jifen.services.nightly import outbox, pipeline, worker
from jifen.services.nightly.lanes import StepProgress
from jifen.services.ports import OutboxEvent
from tests.factories import FakeClock, make_member, make_program
from tests.pipeline_fixtures import CUTOFF, DAY, apply, plan, rows, state

CLI = [sys.executable, "-m", "jifen.entrypoints.cli.main"]


class RecordingPublisher:
    """A sink that keeps what it was given, or refuses everything."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.refuse = refuse

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        if self.refuse:
            raise ConnectionError("the sink is down")
        self.batches.append([e.id for e in events])


def another_process(url: str, clock: FakeClock) -> Jifen:
    """A second Jifen on the same database: its own engine, pool and locks."""
    return bootstrap(Settings(database_url=url), clock=clock)


def test_a_second_runner_refuses_a_night_that_is_running(
    jf: Jifen, program: Program, clock: FakeClock, database_url: str
) -> None:
    # given a night in progress, held between two chunks
    apply(jf, clock, program, plan(11))
    clock.set(CUTOFF + timedelta(hours=2))
    between = threading.Event()
    go_on = threading.Event()
    first: list[pipeline.Night] = []

    def hold_on(_: StepProgress) -> None:
        between.set()
        assert go_on.wait(30)

    def run_first() -> None:
        night = pipeline.run_night(
            jf.uow, clock, jf.locks, jf.rulebooks, program, DAY, chunk=4, progress=hold_on
        )
        first.append(night)

    runner = threading.Thread(target=run_first)
    runner.start()
    try:
        assert between.wait(30)
        # when a second runner starts, in this process and in another one
        other = another_process(database_url, clock)
        with pytest.raises(Conflict) as refused:
            pipeline.run_night(
                other.uow, clock, other.locks, other.rulebooks, program, DAY, chunk=4
            )
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
        env["JIFEN_ENVIRONMENT"] = "test"
        env["JIFEN_DATABASE_URL"] = database_url
        cli = subprocess.run(
            [*CLI, "jobs", "run", "--as-of", str(DAY)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        go_on.set()
        runner.join(60)
    # then both are refused, and the first runs to the end alone
    assert refused.value.code == "job_running"
    assert cli.returncode == 4, cli.stderr
    assert cli.stderr.strip().splitlines()[-1].startswith("error: job_running: ")
    assert first and not first[0].already_done
    settled = state(jf, reminders=True)
    assert pipeline.run_night(
        other.uow, clock, other.locks, other.rulebooks, program, DAY
    ).already_done
    assert state(jf, reminders=True) == settled
    other.close()


def test_two_workers_started_together_run_each_night_once(
    jf: Jifen, twin: Jifen, program: Program, clock: FakeClock, database_url: str
) -> None:
    # given a population, and the same one in a twin database run by a single worker
    apply(jf, clock, program, plan(12))
    twin_program = make_program(twin)
    apply(twin, twin.clock, twin_program, plan(12))
    run_at = time(2, 0)
    at = CUTOFF + timedelta(hours=2)  # 02:00 in Shanghai
    assert isinstance(twin.clock, FakeClock)
    twin.clock.set(at)
    worker.tick(
        twin.uow, twin.clock, twin.locks, twin.rulebooks, RecordingPublisher(), run_at, chunk=3
    )
    # when two workers tick at the same moment against the first database
    clock.set(at)
    apps = [jf, another_process(database_url, clock)]
    start = threading.Barrier(2)
    ticks: list[worker.Tick] = []
    errors: list[BaseException] = []

    def tick(app: Jifen) -> None:
        start.wait()
        try:
            ticks.append(
                worker.tick(
                    app.uow, clock, app.locks, app.rulebooks, RecordingPublisher(), run_at, chunk=3
                )
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    apps[1].close()
    # then the night ran once: the ledger is the one a single worker leaves
    assert errors == []
    ran = [n for t in ticks for n in t.nights if not n.already_done]
    assert len(ran) == 1
    assert state(jf, reminders=True) == state(twin, reminders=True)


def test_the_worker_runs_each_night_once_from_its_local_time(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    make_member(jf, program, "C-1", 100, expires_at=datetime(2026, 3, 4, 16, 0, tzinfo=UTC))
    publisher = RecordingPublisher()

    def tick_at(when: datetime) -> worker.Tick:
        clock.set(when)
        return worker.tick(jf.uow, clock, jf.locks, jf.rulebooks, publisher, time(2, 0))

    # 01:59 in Shanghai on 5 March: not yet; 02:00: the night of 5 March; later: not again
    assert tick_at(datetime(2026, 3, 4, 17, 59, tzinfo=UTC)).nights == ()
    ran = tick_at(datetime(2026, 3, 4, 18, 0, tzinfo=UTC)).nights
    assert [(n.day, n.already_done) for n in ran] == [(date(2026, 3, 5), False)]
    assert tick_at(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)).nights == ()
    assert rows(jf, "SELECT kind FROM entries WHERE kind = 'expire'") == [{"kind": "expire"}]
    # and every event went out, in order
    sent = [i for batch in publisher.batches for i in batch]
    assert sent == sorted(sent)
    assert rows(jf, "SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL") == [{"n": 0}]


def test_the_outbox_drains_in_order_in_batches(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    for n in range(7):
        make_member(jf, program, f"C-{n}", 10)
    total = rows(jf, "SELECT COUNT(*) AS n FROM outbox")[0]["n"]
    publisher = RecordingPublisher()
    published = outbox.drain(jf.uow, clock, jf.locks, publisher, batch=4)
    assert published == total == 14
    assert [len(b) for b in publisher.batches] == [4, 4, 4, 2]
    sent = [i for batch in publisher.batches for i in batch]
    assert sent == sorted(sent) and len(set(sent)) == total
    assert outbox.drain(jf.uow, clock, jf.locks, publisher, batch=4) == 0


def test_events_a_sink_refuses_stay_in_the_outbox(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    make_member(jf, program, "C-1", 10)
    with pytest.raises(ConnectionError):
        outbox.drain(jf.uow, clock, jf.locks, RecordingPublisher(refuse=True), batch=10)
    assert rows(jf, "SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL") == [{"n": 2}]
    assert outbox.drain(jf.uow, clock, jf.locks, RecordingPublisher(), batch=10) == 2


def test_a_second_drainer_waits_its_turn(jf: Jifen, program: Program, clock: FakeClock) -> None:
    make_member(jf, program, "C-1", 10)
    with jf.locks.hold(outbox.ALL_PROGRAMS, outbox.JOB) as held:
        assert held
        other = another_process(str(jf.engine.url.render_as_string(hide_password=False)), clock)
        assert outbox.drain(other.uow, clock, other.locks, RecordingPublisher()) == 0
        other.close()
    assert outbox.drain(jf.uow, clock, jf.locks, RecordingPublisher()) == 2

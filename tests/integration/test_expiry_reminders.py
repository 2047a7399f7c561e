"""Reminders of expiring points: 30, 7 and 1 days ahead, by local day, sent once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services.nightly import pipeline
from jifen.services.programs import registry as programs
from tests.factories import FakeClock, make_member, make_program
from tests.pipeline_fixtures import rows


def reminders(jf: Jifen, program: Program) -> list[dict[str, Any]]:
    found = rows(
        jf,
        f"SELECT payload FROM outbox WHERE topic = 'points.expiry_approached' AND program_id = {program.id}"
        " ORDER BY id",
    )
    return [r["payload"] if isinstance(r["payload"], dict) else _load(r["payload"]) for r in found]


def _load(value: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(value)
    return loaded


def night(jf: Jifen, clock: FakeClock, program: Program, day: date) -> pipeline.Night:
    return pipeline.run_night(jf.uow, clock, jf.locks, jf.rulebooks, program, day, chunk=2)


def test_reminder_days_follow_the_programme_timezone_around_midnight(
    jf: Jifen, clock: FakeClock
) -> None:
    # given the same points in a Shanghai programme and in a UTC one, ending at
    # 16:00 UTC on 10 March (midnight in Shanghai), a minute before and a minute after
    shanghai = make_program(jf, "shanghai")
    utc = programs.register_program(
        jf.uow(), clock, replace(shanghai, code="utc", timezone="UTC"), "test"
    )
    ends = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    for program in (shanghai, utc):
        make_member(jf, program, "C-1", 100, expires_at=ends)
        make_member(jf, program, "C-2", 20, expires_at=ends - timedelta(minutes=1))
        make_member(jf, program, "C-3", 7, expires_at=ends + timedelta(minutes=1))
    clock.set(datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    # when each runs the night of 10 March
    night(jf, clock, shanghai, date(2026, 3, 10))
    night(jf, clock, utc, date(2026, 3, 10))
    # then in Shanghai 120 points end tonight (10 March is their last day) and 7 tomorrow
    assert reminders(jf, shanghai) == [
        {"member": "C-1", "points": 100, "date": "2026-03-10", "days": 1, "horizon": 1},
        {"member": "C-2", "points": 20, "date": "2026-03-10", "days": 1, "horizon": 1},
        {"member": "C-3", "points": 7, "date": "2026-03-11", "days": 2, "horizon": 7},
    ]
    # and in UTC all of them end during 10 March
    assert [(r["member"], r["date"], r["days"]) for r in reminders(jf, utc)] == [
        ("C-1", "2026-03-10", 1),
        ("C-2", "2026-03-10", 1),
        ("C-3", "2026-03-10", 1),
    ]


def test_each_horizon_is_reminded_once_per_last_day(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    # given 50 points usable through 9 April (Shanghai) and 30 through 10 April
    make_member(jf, program, "C-1", 50, expires_at=datetime(2026, 4, 9, 16, 0, tzinfo=UTC))
    make_member(jf, program, "C-2", 30, expires_at=datetime(2026, 4, 10, 16, 0, tzinfo=UTC))
    # when every night from 5 March to 11 April runs, some of them twice
    day = date(2026, 3, 5)
    while day <= date(2026, 4, 11):
        clock.set(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=3))
        night(jf, clock, program, day)
        if day.day % 5 == 0:
            assert night(jf, clock, program, day).already_done
        day += timedelta(days=1)
    # then each was reminded 30, 7 and 1 days ahead, once
    sent = [(r["member"], r["date"], r["days"], r["horizon"]) for r in reminders(jf, program)]
    assert sent == [
        ("C-1", "2026-04-09", 30, 30),
        ("C-2", "2026-04-10", 30, 30),
        ("C-1", "2026-04-09", 7, 7),
        ("C-2", "2026-04-10", 7, 7),
        ("C-1", "2026-04-09", 1, 1),
        ("C-2", "2026-04-10", 1, 1),
    ]
    # and the record of reminders for days gone by is dropped
    assert rows(jf, "SELECT COUNT(*) AS n FROM expiry_reminders")[0]["n"] == 0


def test_a_night_catches_up_reminders_a_missed_night_would_have_sent(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    # given 80 points whose last day is 20 March, and no night run until 16 March
    make_member(jf, program, "C-1", 80, expires_at=datetime(2026, 3, 20, 16, 0, tzinfo=UTC))
    clock.set(datetime(2026, 3, 16, 1, 0, tzinfo=UTC))
    # when the night of 16 March runs (5 days ahead), then 17 March's
    night(jf, clock, program, date(2026, 3, 16))
    clock.advance(days=1)
    night(jf, clock, program, date(2026, 3, 17))
    # then the 7-day reminder went out on the 16th with the true number of days, once;
    # the 30-day one it skipped is not sent late
    assert [(r["days"], r["horizon"]) for r in reminders(jf, program)] == [(5, 7)]


def test_rerunning_a_day_whose_checkpoints_are_lost_sends_no_reminder_twice(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    make_member(jf, program, "C-1", 80, expires_at=datetime(2026, 3, 20, 16, 0, tzinfo=UTC))
    clock.set(datetime(2026, 3, 16, 1, 0, tzinfo=UTC))
    night(jf, clock, program, date(2026, 3, 16))
    with jf.engine.begin() as conn:
        conn.execute(text("DELETE FROM pipeline_runs"))
    again = night(jf, clock, program, date(2026, 3, 16))
    assert {s.name: s.counts for s in again.steps}["expiry_reminders"]["events"] == 0
    assert len(reminders(jf, program)) == 1

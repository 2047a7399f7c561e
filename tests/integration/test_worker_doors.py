"""The worker forgets what the doors keep only for a while, every round, on both databases:
an expired code's seed and ticket, door attempts older than a day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import members
from jifen.services.access import portal_signin
from jifen.services.members.commands import CreateMember
from jifen.services.nightly import worker
from jifen.services.ports import OutboxEvent
from tests.earning_fixtures import publish
from tests.factories import FakeClock, key

SECRET = "test-secret"
NIGHT_AT = time(23, 59, 59)  # no night is due in these rounds: only what every round does


class Sink:
    def __init__(self, *, down: bool = False) -> None:
        self.down = down

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        if self.down:
            raise ConnectionError("the sink is down")


def ask(jf: Jifen, program: Program, contact: str) -> None:
    portal_signin.request_code(jf.uow(), jf.clock, program, contact, SECRET, address="10.0.0.1")


def codes(jf: Jifen) -> list[tuple[Any, Any]]:
    with jf.engine.connect() as conn:
        rows = conn.execute(text("SELECT seed, ticket_hash FROM signin_codes ORDER BY id"))
        return [(seed is not None, ticket is not None) for seed, ticket in rows]


def attempts(jf: Jifen) -> int:
    with jf.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM door_attempts")).scalar_one())


def round_(jf: Jifen, clock: FakeClock, sink: Sink | None = None) -> worker.Tick:
    return worker.tick(jf.uow, clock, jf.locks, jf.rulebooks, sink or Sink(), NIGHT_AT)


def join(jf: Jifen, program: Program) -> None:
    members.create_member(
        jf.uow(), jf.clock, program, CreateMember("C-1", email="a@example.com"), key("join")
    )


def test_a_worker_round_forgets_expired_codes_seeds_and_day_old_attempts(
    jf: Jifen, clock: FakeClock
) -> None:
    # given a code asked for, and no request for a code since
    program = publish(jf)
    join(jf, program)
    ask(jf, program, "C-1")
    assert (codes(jf), attempts(jf)) == ([(True, True)], 3)  # per contact, address, programme
    # when a round runs while the code lives, then it keeps it
    clock.advance(minutes=9)
    assert (round_(jf, clock).forgotten, codes(jf)) == ((0, 0), [(True, True)])
    # when a round runs once it has expired, then its seed and ticket are gone
    clock.advance(minutes=1)
    assert round_(jf, clock).forgotten == (1, 0)
    assert codes(jf) == [(False, False)] and attempts(jf) == 3
    event = {"code_id": 1, "member": "C-1"}
    assert portal_signin.signin_message(jf.uow(write=False), clock, event, SECRET) is None
    # and a day after the attempts, they are gone too
    clock.advance(days=1)
    assert (round_(jf, clock).forgotten, attempts(jf)) == ((0, 3), 0)
    # and another round finds nothing more to forget
    assert round_(jf, clock).forgotten == (0, 0)


def test_a_round_whose_sink_is_down_still_forgets_expired_codes(
    jf: Jifen, clock: FakeClock
) -> None:
    # given an expired code, its event unpublished, and a sink that refuses everything
    program = publish(jf)
    join(jf, program)
    ask(jf, program, "C-1")
    clock.advance(minutes=10)
    # when a round fails on the sink, then the code's seed is gone all the same
    with pytest.raises(ConnectionError):
        round_(jf, clock, Sink(down=True))
    assert codes(jf) == [(False, False)]

"""Committed changes leave outbox events and audit rows; settlement sweeps a programme."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import InsufficientPoints
from jifen.domain.programs import Program
from jifen.services import ledger, members
from jifen.services.ledger import holds, verification
from jifen.services.ledger.commands import Adjust, Earn, PlaceHold, Redeem
from jifen.services.nightly import settlement
from tests.factories import FakeClock, key, make_member


def rows(jf: Jifen, sql: str) -> list[tuple[object, ...]]:
    with jf.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_every_committed_change_writes_an_outbox_event(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1", 100)
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 40), key())
    topics = [r[0] for r in rows(jf, "SELECT topic FROM outbox ORDER BY id")]
    assert topics == ["member.created", "points.earned", "points.redeemed"]


def test_a_refused_change_writes_no_event_and_no_key(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1", 10)
    before = rows(jf, "SELECT COUNT(*) FROM outbox")
    with pytest.raises(InsufficientPoints):
        ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 40), "refused-key")
    assert rows(jf, "SELECT COUNT(*) FROM outbox") == before
    assert rows(jf, "SELECT COUNT(*) FROM idempotency_keys WHERE key = 'refused-key'") == [(0,)]


def test_manual_adjustments_are_audited_with_actor_and_reason(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1")
    ledger.adjust(
        jf.uow(), jf.clock, program, Adjust("C-1", 30, "store opening gift", "ops:wang"), key()
    )
    audit = rows(jf, "SELECT actor, action, target FROM audit_log WHERE action = 'points.adjust'")
    assert audit == [("ops:wang", "points.adjust", "C-1")]


def test_settlement_expires_matures_and_releases_across_members(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    now = clock.now()
    make_member(jf, program, "C-1", 100, expires_at=now + timedelta(days=5))
    make_member(jf, program, "C-2", 50, available_at=now + timedelta(days=2))
    make_member(jf, program, "C-3", 80)
    holds.place_hold(jf.uow(), clock, program, PlaceHold("C-3", 30, ttl_seconds=600), key())
    ledger.earn(jf.uow(), clock, program, Earn("C-3", 1), key())
    clock.advance(days=6)
    done = settlement.settle_due(jf.uow, clock, program)
    assert (done.members, done.entries) == (3, 3)
    view = {m: members.get_member(jf.uow(), clock, program, m) for m in ("C-1", "C-2", "C-3")}
    assert (view["C-1"].available, view["C-2"].available, view["C-2"].pending) == (0, 50, 0)
    assert (view["C-3"].available, view["C-3"].held) == (81, 0)
    again = settlement.settle_due(jf.uow, clock, program)
    assert (again.members, again.entries) == (0, 0)  # a second run changes nothing
    assert verification.verify(jf.uow, jf.rulebooks)["ok"]

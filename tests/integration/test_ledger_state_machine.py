"""Random sequences of ledger operations never break the ledger's invariants.

A Hypothesis state machine earns (now or pending, expiring or not), redeems,
places, captures (fully or partly) and releases holds, reverses earlier
credits and debits (fully or partly), adjusts, moves the clock and settles
what is due, across two or three members, on SQLite and on PostgreSQL, under
the ``floor`` and the ``allow`` (debt) negative-balance policies.

After every step ``jifen verify`` must pass, a ``floor`` programme must never
show a negative balance, and each member's balances must match a small model
kept here: the net of every operation (with expiry read back from the
history), the open holds, and the pending points. A refused operation must
leave the database exactly as it was.
"""

from __future__ import annotations

import dataclasses
import itertools
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text

from jifen.adapters.db.tables import metadata
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.errors import JifenError
from jifen.domain.programs import NegativeBalancePolicy, Program
from jifen.services import ledger, members
from jifen.services import ledger as holds
from jifen.services.ledger import verification
from jifen.services.ledger.commands import (
    Adjust,
    CaptureHold,
    Earn,
    PlaceHold,
    Redeem,
    ReleaseHold,
    Reverse,
)
from jifen.services.ledger.views import Receipt
from jifen.services.members.commands import CreateMember
from jifen.services.nightly import settlement
from tests.factories import FakeClock, key, make_program

# --------------------------------------------------------------------------- databases


class Backend(Protocol):
    def fresh(self, clock: FakeClock) -> Jifen: ...

    def done(self, jf: Jifen) -> None: ...


class SqliteBackend:
    """A fresh copy of the migrated template file for every example."""

    def __init__(self, template: Path, folder: Path) -> None:
        self.template = template
        self.folder = folder
        self.count = itertools.count(1)

    def fresh(self, clock: FakeClock) -> Jifen:
        path = self.folder / f"example-{next(self.count)}.db"
        shutil.copy(self.template, path)
        return bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=clock)

    def done(self, jf: Jifen) -> None:
        jf.close()
        database = jf.engine.url.database
        assert database is not None
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)


class PostgresBackend:
    """One migrated database, emptied before every example."""

    def __init__(self, url: str) -> None:
        self.app = bootstrap(Settings(database_url=url))
        self.truncate = text(
            f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)} RESTART IDENTITY CASCADE"
        )

    def fresh(self, clock: FakeClock) -> Jifen:
        with self.app.engine.begin() as conn:
            conn.execute(self.truncate)
        return dataclasses.replace(self.app, clock=clock)

    def done(self, jf: Jifen) -> None:
        """The engine is shared by every example; closed by the test."""


# --------------------------------------------------------------------------- the model


@dataclass
class ModelHold:
    id: int
    member: str
    amount: int
    expires_at: datetime
    status: str = "active"  # active, captured, released, expired


@dataclass
class ModelEntry:
    """A credit or debit that may be reversed."""

    id: int
    member: str
    credit: bool
    amount: int
    reversed: int = 0
    pending: ModelPending | None = None


@dataclass
class ModelPending:
    """A pending lot: points earned, available from ``available_at``."""

    member: str
    available_at: datetime
    remaining: int
    matured: bool = False


@dataclass
class Model:
    #: per member: every operation's net change, expiry excluded
    net: dict[str, int] = field(default_factory=dict)
    holds: dict[int, ModelHold] = field(default_factory=dict)
    entries: dict[int, ModelEntry] = field(default_factory=dict)
    pending: list[ModelPending] = field(default_factory=list)

    def settle(self, member: str | None, now: datetime) -> None:
        """What ``settled()`` does for ``member`` (all members when None) at ``now``."""
        for h in self.holds.values():
            if member in (None, h.member) and h.status == "active" and h.expires_at <= now:
                h.status = "expired"
        for p in self.pending:
            if member in (None, p.member) and not p.matured and p.available_at <= now:
                p.matured = True

    def held(self, member: str) -> int:
        return sum(
            h.amount for h in self.holds.values() if h.member == member and h.status == "active"
        )

    def pending_points(self, member: str) -> int:
        return sum(p.remaining for p in self.pending if p.member == member and not p.matured)


# --------------------------------------------------------------------------- the machine


def counted(value: int | dict[str, int]) -> int:
    """A count in a receipt's meta: a number, or a number per lot."""
    return sum(value.values()) if isinstance(value, dict) else value


DAY = timedelta(days=1)
EARNED = st.integers(1, 400)
SPENT = st.integers(1, 150)
#: a share (in percent) of what the member has available, or a number of points
SPEND = st.one_of(
    st.integers(1, 100).map(lambda pct: ("share", pct)), SPENT.map(lambda n: ("points", n))
)
WHO = st.integers(0, 2)
LIFE_HOURS = st.integers(1, 60 * 24)
STEP_HOURS = st.integers(1, 10 * 24)


class LedgerMachine(RuleBasedStateMachine):
    backend: ClassVar[Backend]
    policy: ClassVar[NegativeBalancePolicy]

    reversible = Bundle("reversible")
    placed = Bundle("placed")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.jf = self.backend.fresh(self.clock)
        self.program = make_program(self.jf, "machine", self.policy)
        self.members: list[str] = []
        self.model = Model()
        self.snapshot: Any = None
        self.refused: JifenError | None = None

    def teardown(self) -> None:
        self.backend.done(self.jf)

    @initialize(count=st.integers(2, 3))
    def join(self, count: int) -> None:
        for n in range(1, count + 1):
            external_id = f"M-{n}"
            members.create_member(
                self.jf.uow(), self.clock, self.program, CreateMember(external_id), key("join")
            )
            self.members.append(external_id)
            self.model.net[external_id] = 0

    # ----------------------------------------------------------------- helpers

    def member(self, who: int) -> str:
        return self.members[who % len(self.members)]

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def attempt(self, allowed: set[str], call: Callable[[], Receipt]) -> Receipt | None:
        """Run ``call``; a refusal with one of the ``allowed`` codes is a fine outcome."""
        try:
            return call()
        except JifenError as err:
            self.refused = err
        assert self.refused.code in allowed, f"unexpected: {self.refused!r} {self.refused.params}"
        return None

    def expect(self, refusal: str | None, call: Callable[[], Receipt]) -> Receipt | None:
        """Run ``call``, which the model says succeeds (None) or is refused with ``refusal``."""
        if refusal is None:
            return call()
        with pytest.raises(JifenError) as err:
            call()
        assert err.value.code == refusal, err.value
        self.refused = err.value
        return None

    def spend(self, member: str, amount: tuple[str, int]) -> int:
        """Points to spend: a share of the (cached) available balance, or a number."""
        how, n = amount
        if how == "points":
            return n
        view = members.get_member(self.jf.uow(write=False), self.clock, self.program, member)
        return max(1, view.available * n // 100)

    def balances(self) -> dict[str, tuple[int, int, int]]:
        """The balances the ledger holds (settled so far)."""
        with self.jf.engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT external_id, available, pending, held FROM members WHERE program_id = :p"
                ),
                {"p": self.program.id},
            ).all()
        return {m: (a, p, h) for m, a, p, h in found if m in self.members}

    def views(self) -> dict[str, tuple[int, int, int]]:
        """The balances a read shows: as a write now would settle them."""
        found = {}
        for m in self.members:
            view = members.get_member(self.jf.uow(write=False), self.clock, self.program, m)
            found[m] = (view.available, view.pending, view.held)
        return found

    def expired(self, member: str) -> int:
        """Points the member lost to expiry, read from the history."""
        total, cursor = 0, None
        while True:
            page = members.history(self.jf.uow(write=False), self.program, member, cursor, 200)
            total += sum(-i.points for i in page.items if i.kind == "expire")
            if page.next_cursor is None:
                return total
            cursor = page.next_cursor

    # ----------------------------------------------------------------- credits

    @rule(
        target=reversible,
        who=WHO,
        points=EARNED,
        pending_hours=st.none() | st.integers(1, 14 * 24),
        life_hours=st.none() | LIFE_HOURS,
    )
    def earn(self, who: int, points: int, pending_hours: int | None, life_hours: int | None) -> int:
        m = self.member(who)
        start = self.now + timedelta(hours=pending_hours or 0)
        expires_at = None if life_hours is None else start + timedelta(hours=life_hours)
        available_at = None if pending_hours is None else start
        cmd = Earn(m, points, available_at=available_at, expires_at=expires_at)
        receipt = ledger.earn(self.jf.uow(), self.clock, self.program, cmd, key())
        assert receipt.points == points
        self.model.net[m] += points
        entry = ModelEntry(receipt.entry_ids[0], m, credit=True, amount=points)
        if available_at is not None:
            entry.pending = ModelPending(m, available_at, points)
            self.model.pending.append(entry.pending)
        self.model.entries[entry.id] = entry
        return entry.id

    @rule(
        target=reversible,
        who=WHO,
        points=st.integers(-150, 400).filter(bool),
        life_hours=st.none() | LIFE_HOURS,
    )
    def adjust(self, who: int, points: int, life_hours: int | None) -> Any:
        m = self.member(who)
        expires_at = None
        if points > 0 and life_hours is not None:
            expires_at = self.now + timedelta(hours=life_hours)
        cmd = Adjust(m, points, "state machine", "ops:test", expires_at=expires_at)
        receipt = self.attempt(
            {"insufficient_points"},
            lambda: ledger.adjust(self.jf.uow(), self.clock, self.program, cmd, key()),
        )
        if receipt is None:
            return multiple()
        assert receipt.points == points
        self.model.settle(m, self.now)
        self.model.net[m] += points
        entry = ModelEntry(receipt.entry_ids[0], m, credit=points > 0, amount=abs(points))
        self.model.entries[entry.id] = entry
        return entry.id

    # ----------------------------------------------------------------- debits and holds

    @rule(target=reversible, who=WHO, amount=SPEND)
    def redeem(self, who: int, amount: tuple[str, int]) -> Any:
        m = self.member(who)
        entry_id = self.redeem_points(m, self.spend(m, amount))
        return multiple() if entry_id is None else entry_id

    def redeem_points(self, m: str, points: int) -> int | None:
        receipt = self.attempt(
            {"insufficient_points"},
            lambda: ledger.redeem(
                self.jf.uow(), self.clock, self.program, Redeem(m, points), key()
            ),
        )
        if receipt is None:
            assert self.refused is not None
            assert self.refused.params["available"] < points
            return None
        assert receipt.points == -points
        self.model.settle(m, self.now)
        self.model.net[m] -= points
        entry = ModelEntry(receipt.entry_ids[0], m, credit=False, amount=points)
        self.model.entries[entry.id] = entry
        return entry.id

    @rule(target=placed, who=WHO, amount=SPEND, ttl=st.integers(60, 7 * 24 * 3600))
    def place_hold(self, who: int, amount: tuple[str, int], ttl: int) -> Any:
        m = self.member(who)
        points = self.spend(m, amount)
        cmd = PlaceHold(m, points, ttl_seconds=ttl)
        receipt = self.attempt(
            {"insufficient_points"},
            lambda: holds.place_hold(self.jf.uow(), self.clock, self.program, cmd, key()),
        )
        if receipt is None:
            return multiple()
        assert receipt.points == 0 and receipt.hold_id is not None
        self.model.settle(m, self.now)
        self.model.holds[receipt.hold_id] = ModelHold(
            receipt.hold_id, m, points, self.now + timedelta(seconds=ttl)
        )
        return receipt.hold_id

    @rule(target=reversible, hold_id=placed, points=st.none() | SPENT)
    def capture(self, hold_id: int, points: int | None) -> Any:
        h = self.model.holds[hold_id]
        take = h.amount if points is None else points
        refusal = None
        if h.status != "active":
            refusal = "hold_not_active"
        elif h.expires_at <= self.now:
            refusal = "hold_expired"
        elif take > h.amount:
            refusal = "capture_exceeds_hold"
        cmd = CaptureHold(hold_id, points)
        receipt = self.expect(
            refusal, lambda: holds.capture_hold(self.jf.uow(), self.clock, self.program, cmd, key())
        )
        if receipt is None:
            return multiple()
        assert receipt.points == -take
        h.status = "captured"
        self.model.net[h.member] -= take
        entry = ModelEntry(receipt.entry_ids[0], h.member, credit=False, amount=take)
        self.model.entries[entry.id] = entry
        return entry.id

    @rule(hold_id=placed)
    def release(self, hold_id: int) -> None:
        h = self.model.holds[hold_id]
        refusal = None if h.status == "active" else "hold_not_active"
        cmd = ReleaseHold(hold_id)
        receipt = self.expect(
            refusal, lambda: holds.release_hold(self.jf.uow(), self.clock, self.program, cmd, key())
        )
        if receipt is not None:
            assert receipt.points == 0
            h.status = "released"

    # ----------------------------------------------------------------- reversals

    @rule(entry_id=reversible, points=st.none() | SPENT)
    def reverse(self, entry_id: int, points: int | None) -> None:
        e = self.model.entries[entry_id]
        left = e.amount - e.reversed
        amount = left if points is None else points
        refusal = None
        if amount > left:
            refusal = "reversal_exceeds_original"
        elif amount == 0:
            refusal = "already_reversed"
        cmd = Reverse(entry_id, points, reason="refund")
        receipt = self.expect(
            refusal, lambda: ledger.reverse(self.jf.uow(), self.clock, self.program, cmd, key())
        )
        if receipt is None:
            return
        self.model.settle(e.member, self.now)
        e.reversed += amount
        meta = receipt.meta
        if not e.credit:
            # a cancelled debit gives every point back (to its lot, a grace lot or a debt)
            assert "forfeited" not in meta, meta
            expected = amount
        else:
            taken = meta["from_lot"] + meta["clawed_back"] + meta.get("debt", 0)
            missing = counted(meta.get("forgiven_expired", 0)) + meta.get("shortfall", 0)
            assert taken + missing == amount, meta
            if self.policy is NegativeBalancePolicy.ALLOW:
                assert "shortfall" not in meta, meta
            else:
                assert "debt" not in meta, meta
            if e.pending is not None and not e.pending.matured:
                # refunded during the pending window: the pending points are cancelled
                assert meta["from_lot"] == amount, meta
                e.pending.remaining -= amount
            expected = -taken
        assert receipt.points == expected, (receipt, meta)
        self.model.net[e.member] += expected

    @rule(target=reversible, who=WHO, points=EARNED, share=st.integers(1, 100))
    def refund_after_spending(self, who: int, points: int, share: int) -> Any:
        """An order earns, the points are spent, then the order is refunded.

        The clawback reaches for spent points: a shortfall under ``floor``, a
        debt under ``allow`` (which later earning and maturing must repay).
        """
        m = self.member(who)
        earned = self.earn(who, points, None, None)
        spent = self.redeem_points(m, self.spend(m, ("share", share)))
        self.reverse(earned, None)
        self.refused = None  # the earn wrote, whatever the redeem did
        return multiple(earned) if spent is None else multiple(earned, spent)

    # ----------------------------------------------------------------- time

    @rule(hours=STEP_HOURS)
    def advance(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule()
    def settle_due(self) -> None:
        shown = self.views()
        settlement.settle_due(self.jf.uow, self.clock, self.program)
        self.model.settle(None, self.now)
        # what a read showed before is what settling wrote
        assert self.balances() == shown
        # running it again at the same moment finds nothing left to do
        again = settlement.settle_due(self.jf.uow, self.clock, self.program)
        assert again == settlement.Settled(0, 0)

    # ----------------------------------------------------------------- invariants

    @invariant()
    def the_ledger_stays_consistent(self) -> None:
        report = verification.verify(self.jf.uow, self.jf.rulebooks)
        assert report["ok"], report
        found = self.balances()
        for m, (available, pending, held) in found.items():
            if self.policy is not NegativeBalancePolicy.ALLOW:
                assert available >= 0, (m, found[m])
            assert held == self.model.held(m), (m, found[m])
            assert pending == self.model.pending_points(m), (m, found[m])
            assert available + pending + held == self.model.net[m] - self.expired(m), (
                m,
                found[m],
            )
        snapshot = (found, report["counts"])
        if self.refused is not None:
            # a refused operation wrote nothing: no entry, no lot, no balance moved
            assert snapshot == self.snapshot, self.refused
            self.refused = None
        self.snapshot = snapshot


# --------------------------------------------------------------------------- the tests

SQLITE_RUNS = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
POSTGRES_RUNS = settings(SQLITE_RUNS, max_examples=15)


def _run(backend: Backend, policy: NegativeBalancePolicy, runs: settings) -> None:
    machine = type(
        f"LedgerMachine_{policy.value}", (LedgerMachine,), {"backend": backend, "policy": policy}
    )
    run_state_machine_as_test(machine, settings=runs)


POLICIES = pytest.mark.parametrize(
    "policy", [NegativeBalancePolicy.FLOOR, NegativeBalancePolicy.ALLOW], ids=str
)


@POLICIES
def test_random_operations_keep_the_sqlite_ledger_consistent(
    policy: NegativeBalancePolicy, sqlite_template: Path, tmp_path: Path
) -> None:
    _run(SqliteBackend(sqlite_template, tmp_path), policy, SQLITE_RUNS)


@pytest.mark.postgres
@POLICIES
def test_random_operations_keep_the_postgres_ledger_consistent(
    policy: NegativeBalancePolicy, pg_url: str
) -> None:
    backend = PostgresBackend(pg_url)
    try:
        _run(backend, policy, POSTGRES_RUNS)
    finally:
        backend.app.close()


# --------------------------------------------------------------------------- found by hand


def test_a_refund_forgives_points_that_expired_in_a_grace_lot(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    # given 100 points that were spent, then given back after their lot expired
    # (a grace lot), and that then expired in the grace lot
    members.create_member(jf.uow(), clock, program, CreateMember("C-1"), key())
    ledger.earn(jf.uow(), clock, program, Earn("C-1", 500), key())
    earned = ledger.earn(
        jf.uow(), clock, program, Earn("C-1", 100, expires_at=clock.now() + 10 * DAY), key()
    )
    spent = ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 100), key())
    clock.advance(days=12)
    back = ledger.reverse(jf.uow(), clock, program, Reverse(spent.entry_ids[0]), key())
    assert back.meta == {"reissued": 100}
    clock.advance(days=31)
    settlement.settle_due(jf.uow, clock, program)
    # when the order that earned them is refunded
    refund = ledger.reverse(jf.uow(), clock, program, Reverse(earned.entry_ids[0]), key())
    # then the expired points are forgiven, not clawed back a second time
    assert (refund.meta["from_lot"], refund.meta["clawed_back"]) == (0, 0)
    assert counted(refund.meta["forgiven_expired"]) == 100
    assert (refund.points, refund.available) == (0, 500)
    assert verification.verify(jf.uow, jf.rulebooks)["ok"]

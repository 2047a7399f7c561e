"""Test data: a fake clock and helpers that build programmes and members."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from jifen.bootstrap import Jifen
from jifen.domain import ledger as domain_ledger
from jifen.domain.ledger import EntryKind, LotSource, Posting
from jifen.domain.members import Member
from jifen.domain.programs import LedgerPolicy, NegativeBalancePolicy, Program
from jifen.services import ledger, members
from jifen.services.ledger import verification
from jifen.services.ledger.commands import Earn
from jifen.services.members.commands import CreateMember
from jifen.services.programs import registry as programs

START = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # noon in Shanghai


class SeededChance:
    """Lottery numbers from a seeded generator: the same draws on every run (tests only)."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def below(self, n: int) -> int:
        return self.random.randrange(n)


class ScriptedChance:
    """Lottery numbers given in advance, in order."""

    def __init__(self, *rolls: int) -> None:
        self.rolls = list(rolls)

    def below(self, n: int) -> int:
        roll = self.rolls.pop(0)
        assert 0 <= roll < n
        return roll


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


_keys = itertools.count(1)


def key(prefix: str = "k") -> str:
    """A fresh idempotency key."""
    return f"{prefix}-{next(_keys)}"


def make_program(
    jf: Jifen,
    code: str = "fresh-market",
    negative_balance: NegativeBalancePolicy = NegativeBalancePolicy.FLOOR,
    **policy: timedelta,
) -> Program:
    spec = Program(
        id=0,
        code=code,
        name={"en": "Fresh Market", "zh-CN": "鲜生超市"},
        currency="CNY",
        point_value=Decimal("0.01"),
        timezone="Asia/Shanghai",
        policy=replace(LedgerPolicy(negative_balance=negative_balance), **policy),
    )
    return programs.register_program(jf.uow(), jf.clock, spec, actor="test")


def make_member(
    jf: Jifen, program: Program, external_id: str = "C-1", points: int = 0, **earn: object
) -> str:
    members.create_member(jf.uow(), jf.clock, program, CreateMember(external_id), key("join"))
    if points:
        ledger.earn(jf.uow(), jf.clock, program, Earn(external_id, points, **earn), key("earn"))  # type: ignore[arg-type]
    return external_id


def balances(jf: Jifen, program: Program, member: str) -> tuple[int, int, int]:
    """(available, pending, held) as the API would show them."""
    view = members.get_member(jf.uow(write=False), jf.clock, program, member)
    return view.available, view.pending, view.held


def assert_verified(jf: Jifen) -> None:
    report = verification.verify(jf.uow, jf.rulebooks)
    assert report["ok"], report


def plain_credit(member: Member, points: int, now: datetime, reference: str) -> Posting:
    """An order's credit of ``points`` to ``member`` under the base rule, available at
    once and expiring in a year: what a batch keeps for an order."""
    return domain_ledger.credit_parts(
        domain_ledger.Account(member, ()),
        [(points, "base")],
        kind=EntryKind.EARN,
        source=LotSource.ORDER,
        now=now,
        available_at=now,
        expires_at=now + timedelta(days=365),
        reference=reference,
    )

"""Earning and spending through the services, beside the bare SQL of the same writes.

The ceiling for each figure is the minimum an earn must do in the same
schema on the same database: one transaction inserting an entry and a lot
and updating the member's balance, with no Python domain, no idempotency
key and no outbox.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import text

from bench.harness import rate, repeat
from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import ledger, members
from jifen.services.ledger.commands import Earn, Redeem
from jifen.services.members.commands import CreateMember

MEMBERS = 200
_run = itertools.count()

RAW_EARN = [
    text(
        "INSERT INTO entries (program_id, member_id, kind, amount, delta_available,"
        " delta_pending, delta_held, meta, created_at)"
        " VALUES (:p, :m, 'earn', 10, 10, 0, 0, '{}', :now) RETURNING id"
    ),
    text(
        "INSERT INTO lots (program_id, member_id, entry_id, amount, remaining, available_at,"
        " pending, source, created_at)"
        " VALUES (:p, :m, :e, 10, 10, :now, false, 'order', :now)"
    ),
    text("UPDATE members SET available = available + 10, updated_at = :now WHERE id = :m"),
]


def enrol(jf: Jifen, program: Program) -> list[str]:
    ids = [f"B{n:05d}" for n in range(MEMBERS)]
    for ext in ids:
        members.create_member(jf.uow(), jf.clock, program, CreateMember(ext), f"join-{ext}")
    return ids


def jifen_earn(
    jf: Jifen, program: Program, ids: list[str], count: int, clients: int, runs: int
) -> list[float]:
    def measure(_: int) -> float:
        run = next(_run)

        def earn(i: int) -> None:
            ledger.earn(
                jf.uow(),
                jf.clock,
                program,
                Earn(ids[i % len(ids)], 10, "order", f"o-{run}-{i}"),
                f"e-{run}-{i}",
            )

        return rate(count, earn, clients)

    return repeat(runs, measure)


def jifen_redeem(
    jf: Jifen, program: Program, ids: list[str], count: int, clients: int, runs: int
) -> list[float]:
    def measure(_: int) -> float:
        run = next(_run)

        def spend(i: int) -> None:
            ledger.redeem(jf.uow(), jf.clock, program, Redeem(ids[i % len(ids)], 1), f"r-{run}-{i}")

        return rate(count, spend, clients)

    return repeat(runs, measure)


def raw_earn(jf: Jifen, program: Program, count: int, clients: int, runs: int) -> list[float]:
    with jf.engine.connect() as conn:
        member_ids = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM members WHERE program_id = :p ORDER BY id"), {"p": program.id}
            )
        ]

    def earn(i: int) -> None:
        now = datetime.now(UTC)
        m = member_ids[i % len(member_ids)]
        with jf.engine.begin() as conn:
            entry = conn.execute(RAW_EARN[0], {"p": program.id, "m": m, "now": now}).scalar()
            conn.execute(RAW_EARN[1], {"p": program.id, "m": m, "e": entry, "now": now})
            conn.execute(RAW_EARN[2], {"m": m, "now": now})

    return repeat(runs, lambda _: rate(count, earn, clients))

"""Every field of a batch's writes reaches the database, on SQLite and on PostgreSQL.

``write_batch`` writes table by table on SQLite and in one statement on PostgreSQL (a
JSON document unpacked by the database). Given a member and, for each field of
``BatchWrites``, a batch holding that field alone, when it is written, then the
database is not as it was: a field the one-statement writer forgot would leave it so.
And the same whole batch written on both databases leaves the same rows.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from sqlalchemy import func, select, text

from jifen.adapters.db.earning import batch_write
from jifen.adapters.db.ledger import chain
from jifen.adapters.db.tables import (
    campaign_spend,
    challenge_progress,
    entries,
    idempotency_keys,
    leaderboard_counts,
    leaderboard_scores,
    lots,
    member_months,
    members,
    orders,
    outbox,
    rule_usage,
    tier_changes,
)
from jifen.bootstrap import Jifen
from jifen.domain.earning import Usage
from jifen.domain.errors import LedgerConflict
from jifen.domain.programs import Program
from jifen.domain.tiers import Stats, TierState
from jifen.services.challenges import Progress
from jifen.services.earning.ports import BatchWrites, NewOrderRecord
from jifen.services.tiers.ports import TierChange
from tests.earning_fixtures import join, publish
from tests.factories import assert_verified, plain_credit

TABLES = (
    challenge_progress,
    leaderboard_counts,
    leaderboard_scores,
    entries,
    lots,
    orders,
    campaign_spend,
    outbox,
    member_months,
    rule_usage,
    tier_changes,
)


def _state(jf: Jifen) -> dict[str, Any]:
    """Rows per table, the member's row, and the stored responses."""
    with jf.uow(write=False) as uow:
        conn = uow._conn  # type: ignore[attr-defined]
        found: dict[str, Any] = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES
        }
        found["members"] = [tuple(r) for r in conn.execute(select(members).order_by(members.c.id))]
        found["responses"] = sorted(
            (r.key, str(r.response)) for r in conn.execute(select(idempotency_keys))
        )
    return found


def _samples(jf: Jifen, program: Program) -> dict[str, Any]:
    """A value for each field, for member C-1 (a credit already written, for the spend's
    entry; a key already claimed, for the response)."""
    now = jf.clock.now()
    with jf.uow() as uow:
        member = uow.members.lock(program.id, "C-1")
        assert member is not None
        posting = plain_credit(member, 5, now, "O-1")
        entry_id = uow.ledger.next_entry_ids(1)[0]
        uow.idempotency.claim_many(program.id, {"order:O-9": "f"}, now)
        uow.commit()
    order = NewOrderRecord(
        program_id=program.id,
        member_id=member.id,
        order_id="O-1",
        version=1,
        placed_at=now,
        paid=500,
        entry_id=None,
        snapshot={"s": 1},
        award={"a": 1},
        created_at=now,
    )
    change = TierChange(from_tier=None, to_tier="gold", reason="qualified", actor=None,
                        detail={}, at=now)  # fmt: skip
    m = member.id
    return {
        "credits": [(entry_id, posting, now)],
        "events": [("points.earned", {"n": 1}, now)],
        "orders": [order],
        "spends": [(entry_id, "veg-day", "veg", 0, 5)],
        "responses": {"order:O-9": {"ok": 1}},
        "months": {(m, 202612): Stats(500, 5, 1)},
        "usage": {(m, "r", "2026-W49"): Usage(5, 1)},
        "counted": {m: (2, 900, now)},
        "tiers": {m: ("gold", TierState(earned="gold", since=now), now)},
        "tier_changes": [(m, change)],
        "progress": {
            (m, "veg-four-weeks", "all"): (
                program.id,
                Progress(
                    challenge_id="veg-four-weeks",
                    round="all",
                    tally={"105670": 1},
                    value=1,
                    updated_at=now,
                ),
            )
        },
        "scores": {(m, "monthly-points", "month:2026-12", ""): (program.id, 5, False, now)},
        "counts": {(program.id, "monthly-points", "month:2026-12", "", 0, 5): 1},
    }


def test_each_field_written_alone_changes_the_database(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    samples = _samples(jf, program)
    # the credit first: the spend's entry must exist
    order = ["credits"] + [f.name for f in fields(BatchWrites) if f.name != "credits"]
    assert set(order) == set(samples), "a field of BatchWrites without a sample here"
    for name in order:
        before = _state(jf)
        with jf.uow() as uow:
            uow.earning.write_batch(program.id, BatchWrites(**{name: samples[name]}))
            uow.commit()
        assert _state(jf) != before, f"{name} was not written"
    with jf.uow(write=False) as uow:
        member = uow.members.get(program.id, "C-1")
        assert member is not None
        assert member.balances.available == 5 and member.orders_count == 2
        assert member.tier == "gold"
        stored = uow.idempotency.stored_many(program.id, {"order:O-9"})
        assert stored["order:O-9"].response == {"ok": 1}
    assert_verified(jf)


@pytest.mark.parametrize("apart", [False, True], ids=["with its commit", "before its commit"])
def test_a_batch_whose_member_row_does_not_match_its_guard_writes_nothing(
    jf: Jifen, apart: bool
) -> None:
    """The member's chain head moved (not as this transaction read it): nothing of the
    batch is written, its other tables included, and the COMMIT sent behind it (on
    PostgreSQL in the same pipeline) commits nothing of the transaction either. Written
    apart from its commit (as an import writes a batch), the refusal is the same."""
    program = publish(jf)
    join(jf, program, "C-1")
    samples = _samples(jf, program)
    before = _state(jf)
    with jf.uow() as uow:
        member = uow.members.lock(program.id, "C-1")
        assert member is not None
        chain.remember(uow._conn, member.id, "moved")  # type: ignore[attr-defined]
        writes = BatchWrites(**{k: v for k, v in samples.items() if k != "spends"})

        def write() -> None:
            uow.earning.write_batch(program.id, writes)

        with pytest.raises(LedgerConflict):  # apart, or as a batch commits: with the COMMIT
            write() if apart else uow.commit_with(write)
    assert _state(jf) == before


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", [pytest.param("postgresql", id="postgres")], indirect=True)
def test_the_write_finds_its_members_and_keys_by_index_among_many(
    jf: Jifen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's rows arrive as a JSON document, which the planner guesses at 100 rows:
    joined to thousands of members or keys it would rather scan them all, once per order.
    Given 3,000 members and keys, the write probes their indexes."""
    program = publish(jf)
    join(jf, program, "C-1")
    samples = _samples(jf, program)
    with jf.uow() as uow:
        conn = uow._conn  # type: ignore[attr-defined]
        conn.execute(
            text(
                "INSERT INTO members (program_id, external_id, attributes, status, created_at,"
                " updated_at) SELECT :p, 'M-' || g, '{}', 'active', now(), now()"
                " FROM generate_series(1, 3000) g"
            ),
            {"p": program.id},
        )
        conn.execute(
            text(
                "INSERT INTO idempotency_keys (program_id, scope, key, fingerprint, created_at)"
                " SELECT :p, 'jifen', 'order:K-' || g, 'f', now() FROM generate_series(1, 3000) g"
            ),
            {"p": program.id},
        )
        conn.execute(text("ANALYZE members; ANALYZE idempotency_keys"))
        uow.commit()
    plans: list[str] = []

    def explain(conn: Any, params: dict[str, Any]) -> None:
        pg = conn.connection.driver_connection
        plans.extend(r[0] for r in pg.execute("EXPLAIN " + batch_write.ONE_STATEMENT, params))

    monkeypatch.setattr(batch_write, "send", explain)
    with jf.uow() as uow:
        uow.members.lock(program.id, "C-1")
        writes = BatchWrites(**{k: v for k, v in samples.items() if k != "spends"})
        uow.earning.write_batch(program.id, writes)
    plan = "\n".join(plans)
    assert "Update on members" in plan and "Update on idempotency_keys" in plan, plan
    assert "Seq Scan on members" not in plan, plan
    assert "Seq Scan on idempotency_keys" not in plan, plan
    assert "Bitmap Heap Scan on idempotency_keys" not in plan, plan

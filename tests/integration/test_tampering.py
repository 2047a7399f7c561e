"""Tampering seen: every single-row tampering of the review, on SQLite and PostgreSQL.

Given a clean ledger (orders recorded and imported, a refund, a redemption, a reversal, a
hold captured, a pending credit matured, lots expired) and an anchor of its chain heads taken outside the
database, when one row is changed the way the review changed it, then ``jifen verify``
reports it: on its own for every tampering that leaves a trace in the database, and
against the anchor for the two that do not (the newest entry deleted with its head
rewound, and a history rewritten consistently with every balance and hash).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from jifen.adapters.db.ledger.chain import read_chains
from jifen.adapters.db.tables import entries
from jifen.bootstrap import MIGRATIONS, Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.errors import InsufficientPoints, InvalidInput
from jifen.domain.ledger.chain import entry_hash
from jifen.domain.programs import Program
from jifen.entrypoints.worker import run_worker
from jifen.services import imports, ledger, nightly
from jifen.services.earning import RecordActivity, record_activity, refunds
from jifen.services.earning.commands import RefundOrder
from jifen.services.ledger import holds, verification
from jifen.services.ledger.commands import (
    Adjust,
    CaptureHold,
    Earn,
    PlaceHold,
    Redeem,
    Reverse,
)
from tests.conftest import _truncate_all
from tests.earning_fixtures import ROOT, buy, join, line, publish
from tests.factories import FakeClock, key, make_member, make_program
from tests.import_fixtures import WORKED, run_import, write
from tests.integration.test_concurrency import run_together

OIL = line("oil-5l", 1, "250.00", "grocery", "new")


@dataclass
class Ledger:
    jf: Jifen
    program: Program
    anchor: str


def _clean_ledger(jf: Jifen, clock: FakeClock) -> Ledger:
    program = publish(jf)
    for name in ("A", "B", "C", "C-1", "C-2"):
        join(jf, program, name)
    with tempfile.TemporaryDirectory() as tmp:  # February's orders, through the write-behind
        run_import(jf, program, write(Path(tmp) / "orders.jsonl", WORKED, "jsonl"), batch_size=2)
    buy(jf, program, "A", "o-1", "10.00")
    buy(jf, program, "A", "o-2", "250.00", OIL)
    buy(jf, program, "B", "o-3", "120.00")
    refunds.refund_order(
        jf.uow(), clock, jf.rulebooks, program, RefundOrder("r-1", "o-2", amount="100.00")
    )
    soon = clock.now() + timedelta(days=3)
    ledger.earn(jf.uow(), clock, program, Earn("C", 300, expires_at=soon), key())
    ledger.earn(jf.uow(), clock, program, Earn("C", 200, reference="gift-1"), key())
    ledger.earn(
        jf.uow(), clock, program, Earn("B", 80, available_at=clock.now() + timedelta(days=1)), key()
    )
    spent = ledger.redeem(jf.uow(), clock, program, Redeem("A", 40), key())
    ledger.reverse(jf.uow(), clock, program, Reverse(spent.entry_ids[0], 15), key())
    held = holds.place_hold(jf.uow(), clock, program, PlaceHold("C", 120), key())
    assert held.hold_id is not None
    holds.capture_hold(jf.uow(), clock, program, CaptureHold(held.hold_id, 100), key())
    clock.advance(days=4)  # B's pending points mature, C's first lot expires
    nightly.settle_due(jf.uow, clock, program)
    ledger.earn(jf.uow(), clock, program, Earn("A", 70, reference="last"), key())
    report = verification.verify(jf.uow, jf.rulebooks)
    assert report["ok"], report
    anchor = ledger.anchor(jf.uow, clock)
    assert verification.verify(jf.uow, jf.rulebooks, anchor)["ok"]
    return Ledger(jf, program, anchor)


def _one(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def _member(conn: Connection, external: str) -> int:
    return int(_one(conn, "SELECT id FROM members WHERE external_id = :m", m=external))


def _earn_of(conn: Connection, external: str, reference: str) -> int:
    return int(
        _one(
            conn,
            "SELECT e.id FROM entries e JOIN members m ON m.id = e.member_id"
            " WHERE m.external_id = :m AND e.reference = :r AND e.kind = 'earn'",
            m=external,
            r=reference,
        )
    )


def _exec(conn: Connection, *statements: str, **params: Any) -> None:
    for sql in statements:
        conn.execute(text(sql), params)


# -- the tamperings: each changes the database the way an attacker with write access would --


def raise_reversed_amount(conn: Connection) -> None:
    """An entry's amount raised by 100: reversals read that column (missed before)."""
    spent = _one(conn, "SELECT MIN(id) FROM entries WHERE kind = 'redeem'")
    _exec(conn, "UPDATE entries SET amount = amount + 100 WHERE id = :e", e=spent)


def change_kind(conn: Connection) -> None:
    """An entry's kind changed (missed before)."""
    _exec(conn, "UPDATE entries SET kind = 'adjust' WHERE id = :e", e=_earn_of(conn, "C", "gift-1"))


def push_expiry_out(conn: Connection) -> None:
    """A lot's expiry pushed out ten years (missed before)."""
    lot = _one(conn, "SELECT MIN(id) FROM lots WHERE expires_at IS NOT NULL AND remaining > 0")
    end = _one(conn, "SELECT expires_at FROM lots WHERE id = :l", l=lot)
    conn.execute(
        text("UPDATE lots SET expires_at = :x WHERE id = :l").bindparams(
            x=_later(end, days=3650), l=lot
        )
    )


def remove_expiry(conn: Connection) -> None:
    """A lot made never to expire, as a tier would, with no tier change that says so."""
    _exec(
        conn,
        "UPDATE lots SET expires_at = NULL"
        " WHERE id = (SELECT MIN(id) FROM lots WHERE expires_at IS NOT NULL AND remaining > 0)",
    )


def delete_credit_and_lower_balance(conn: Connection) -> None:
    """A credit deleted with its lot, the cached balance lowered to match (missed before)."""
    entry = _earn_of(conn, "C", "gift-1")
    member = _member(conn, "C")
    _exec(
        conn,
        "UPDATE members SET available = available - 200 WHERE id = :m",
        "DELETE FROM lots WHERE entry_id = :e",
        "DELETE FROM entries WHERE id = :e",
        e=entry,
        m=member,
    )


def raise_balance(conn: Connection) -> None:
    _exec(conn, "UPDATE members SET available = available + 100 WHERE external_id = 'A'")


def raise_pending(conn: Connection) -> None:
    _exec(conn, "UPDATE members SET pending = pending + 100 WHERE external_id = 'A'")


def raise_held(conn: Connection) -> None:
    _exec(conn, "UPDATE members SET held = held + 100 WHERE external_id = 'A'")


def lower_lot_remaining(conn: Connection) -> None:
    _exec(
        conn,
        "UPDATE lots SET remaining = remaining - 1"
        " WHERE id = (SELECT MIN(id) FROM lots WHERE remaining > 0)",
    )


def raise_lot_amount(conn: Connection) -> None:
    _exec(conn, "UPDATE lots SET amount = amount + 100 WHERE id = (SELECT MAX(id) FROM lots)")


def raise_lot_and_balance(conn: Connection) -> None:
    """A lot and the balance raised together: the sums agree, the chain does not."""
    lot = _one(conn, "SELECT MAX(id) FROM lots")
    _exec(
        conn,
        "UPDATE lots SET amount = amount + 100, remaining = remaining + 100 WHERE id = :l",
        "UPDATE members SET available = available + 100"
        " WHERE id = (SELECT member_id FROM lots WHERE id = :l)",
        "UPDATE entries SET amount = amount + 100, delta_available = delta_available + 100"
        " WHERE id = (SELECT entry_id FROM lots WHERE id = :l)",
        l=lot,
    )


def flip_lot_pending(conn: Connection) -> None:
    _exec(conn, "UPDATE lots SET pending = NOT pending WHERE id = (SELECT MAX(id) FROM lots)")


def change_draw_amount(conn: Connection) -> None:
    _exec(conn, "UPDATE draws SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM draws)")


def delete_draw(conn: Connection) -> None:
    _exec(conn, "DELETE FROM draws WHERE id = (SELECT MIN(id) FROM draws)")


def change_entry_delta(conn: Connection) -> None:
    _exec(
        conn,
        "UPDATE entries SET delta_available = delta_available + 5 WHERE id = :e",
        e=_earn_of(conn, "A", "last"),
    )


def delete_debit_and_draws(conn: Connection) -> None:
    """A redemption deleted with what it drew, the lots and balance given back."""
    entry = _one(conn, "SELECT MIN(id) FROM entries WHERE kind = 'redeem'")
    _exec(
        conn,
        "UPDATE lots SET remaining = remaining + (SELECT SUM(d.amount) FROM draws d"
        " WHERE d.lot_id = lots.id AND d.entry_id = :e)"
        " WHERE id IN (SELECT lot_id FROM draws WHERE entry_id = :e)",
        "UPDATE members SET available = available"
        " + (SELECT amount FROM entries WHERE id = :e)"
        " WHERE id = (SELECT member_id FROM entries WHERE id = :e)",
        "DELETE FROM draws WHERE entry_id = :e",
        "UPDATE entries SET reverses_entry_id = NULL WHERE reverses_entry_id = :e",
        "DELETE FROM entries WHERE id = :e",
        e=entry,
    )


def reopen_hold(conn: Connection) -> None:
    _exec(conn, "UPDATE holds SET status = 'active' WHERE id = (SELECT MIN(id) FROM holds)")


def push_hold_expiry(conn: Connection) -> None:
    hold = _one(conn, "SELECT MIN(id) FROM holds")
    end = _one(conn, "SELECT expires_at FROM holds WHERE id = :h", h=hold)
    conn.execute(
        text("UPDATE holds SET expires_at = :x WHERE id = :h").bindparams(
            x=_later(end, days=3650), h=hold
        )
    )


def move_entry_to_another_member(conn: Connection) -> None:
    _exec(
        conn,
        "UPDATE entries SET member_id = :b WHERE id = :e",
        e=_earn_of(conn, "A", "last"),
        b=_member(conn, "B"),
    )


def raise_reversal(conn: Connection) -> None:
    _exec(
        conn,
        "UPDATE entries SET amount = amount + 100"
        " WHERE id = (SELECT MIN(id) FROM entries WHERE kind = 'reverse')",
    )


def backdate_entry(conn: Connection) -> None:
    at = _one(conn, "SELECT created_at FROM entries WHERE id = :e", e=_earn_of(conn, "A", "last"))
    conn.execute(
        text("UPDATE entries SET created_at = :x WHERE id = :e").bindparams(
            x=_later(at, days=-400), e=_earn_of(conn, "A", "last")
        )
    )


def delete_newest_and_rewind_head(conn: Connection) -> None:
    """The newest entry deleted with its lot, the balance and chain head rewound."""
    entry = _earn_of(conn, "A", "last")
    _exec(
        conn,
        "UPDATE members SET available = available - 70,"
        " chain_head = (SELECT prev_hash FROM entries WHERE id = :e)"
        " WHERE id = (SELECT member_id FROM entries WHERE id = :e)",
        "DELETE FROM lots WHERE entry_id = :e",
        "DELETE FROM entries WHERE id = :e",
        e=entry,
    )


def rewrite_history_consistently(conn: Connection) -> None:
    """An old credit raised by 100 with its lot and balance, every hash after recomputed."""
    entry = _earn_of(conn, "C", "gift-1")
    member = _member(conn, "C")
    _exec(
        conn,
        "UPDATE entries SET amount = amount + 100, delta_available = delta_available + 100"
        " WHERE id = :e",
        "UPDATE lots SET amount = amount + 100, remaining = remaining + 100 WHERE entry_id = :e",
        "UPDATE members SET available = available + 100 WHERE id = :m",
        e=entry,
        m=member,
    )
    _rechain(conn, member)


def push_expiry_out_and_rechain(conn: Connection) -> None:
    """A lot's expiry and its expiry as issued both pushed out ten years, the member's
    chain recomputed: every hash agrees, but no version of the programme gives such an end."""
    lot = _one(
        conn,
        "SELECT MIN(id) FROM lots WHERE expires_at IS NOT NULL AND remaining > 0"
        " AND source = 'order'",
    )
    end = _one(conn, "SELECT expires_at FROM lots WHERE id = :l", l=lot)
    conn.execute(
        text("UPDATE lots SET expires_at = :x, issued_expires_at = :x WHERE id = :l").bindparams(
            x=_later(end, days=3650), l=lot
        )
    )
    _rechain(conn, _one(conn, "SELECT member_id FROM lots WHERE id = :l", l=lot))


def _rechain(conn: Connection, member: int) -> None:
    """Every hash of ``member``'s chain recomputed from what is stored now, head included."""
    prev = None
    for stored in list(read_chains(conn, entries.c.member_id == member)):
        digest = entry_hash(prev, stored.content)
        _exec(
            conn,
            "UPDATE entries SET prev_hash = :p, hash = :h WHERE id = :i",
            p=prev,
            h=digest,
            i=stored.id,
        )
        prev = digest
    _exec(conn, "UPDATE members SET chain_head = :h WHERE id = :m", h=prev, m=member)


def _later(at: Any, **delta: float) -> Any:
    if isinstance(at, str):  # SQLite, read without the column's type
        return (datetime.fromisoformat(at) + timedelta(**delta)).isoformat(sep=" ")
    return at + timedelta(**delta)


Tamper = Callable[[Connection], None]
SEEN_ALONE: list[tuple[Tamper, str]] = [
    (raise_reversed_amount, "entry_hash"),
    (change_kind, "entry_hash"),
    (push_expiry_out, "lot_expiry"),
    (remove_expiry, "lot_expiry"),
    (delete_credit_and_lower_balance, "entry_hash"),
    (raise_balance, "member_balance"),
    (raise_pending, "member_balance"),
    (raise_held, "member_balance"),
    (lower_lot_remaining, "lot_remaining"),
    (raise_lot_amount, "entry_hash"),
    (raise_lot_and_balance, "entry_hash"),
    (flip_lot_pending, "member_lots"),
    (change_draw_amount, "entry_hash"),
    (delete_draw, "entry_hash"),
    (change_entry_delta, "entry_hash"),
    (delete_debit_and_draws, "entry_hash"),
    (reopen_hold, "member_held"),
    (push_hold_expiry, "entry_hash"),
    (move_entry_to_another_member, "entry_hash"),
    (raise_reversal, "entry_hash"),
    (backdate_entry, "entry_hash"),
    (push_expiry_out_and_rechain, "lot_expiry_beyond_policy"),
]
SEEN_AGAINST_ANCHOR: list[tuple[Tamper, str]] = [
    (delete_newest_and_rewind_head, "anchor"),
    (rewrite_history_consistently, "anchor"),
]


@pytest.mark.parametrize(("tamper", "check"), SEEN_ALONE, ids=lambda t: getattr(t, "__name__", t))
def test_a_single_row_tampering_is_seen_by_verify(
    jf: Jifen, clock: FakeClock, tamper: Tamper, check: str
) -> None:
    clean = _clean_ledger(jf, clock)
    with jf.engine.begin() as conn:
        tamper(conn)
    report = verification.verify(jf.uow, jf.rulebooks)
    assert not report["ok"] and report["problems"][check] > 0, report
    against = verification.verify(jf.uow, jf.rulebooks, clean.anchor)
    assert not against["ok"]


@pytest.mark.parametrize(
    ("tamper", "check"), SEEN_AGAINST_ANCHOR, ids=lambda t: getattr(t, "__name__", t)
)
def test_a_tampering_consistent_with_every_balance_is_seen_against_the_anchor(
    jf: Jifen, clock: FakeClock, tamper: Tamper, check: str
) -> None:
    clean = _clean_ledger(jf, clock)
    with jf.engine.begin() as conn:
        tamper(conn)
    alone = verification.verify(jf.uow, jf.rulebooks)
    assert alone["ok"], alone  # what the database alone can no longer tell
    report = verification.verify(jf.uow, jf.rulebooks, clean.anchor)
    assert not report["ok"] and report["problems"][check] > 0, report


def test_lots_their_policy_or_their_own_rule_allows_are_not_beyond_it(
    jf: Jifen, clock: FakeClock
) -> None:
    """Given the clean ledger (orders recorded and imported, backdated) and a second version
    in which silver points live 24 months and gold points never expire, when lots are issued
    every other legitimate way, then verify finds none beyond the policy."""
    _clean_ledger(jf, clock)
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program = publish(
        jf,
        source=source.replace(
            "    multiplier: 3              # 金卡会员享三倍积分\n",
            "    multiplier: 3\n    points_never_expire: true\n",
        ).replace("    multiplier: 2\n", "    multiplier: 2\n    expiry_months: 24\n", 1),
    )
    for name in ("T", "R"):
        join(jf, program, name)
    buy(jf, program, "T", "t-1", "1000.00", line("desk", 1, "1000.00"))  # -> silver
    buy(jf, program, "T", "t-2", "100.00", line("milk", 1, "100.00"))  # lives 24 months
    buy(jf, program, "T", "t-3", "4000.00", line("sofa", 1, "4000.00"))  # -> gold: never ends
    now = clock.now()
    for end in (now + timedelta(days=3650), None):  # an operator's own end, or none
        cmd = Adjust("A", 50, "goodwill", "ops", expires_at=end)
        ledger.adjust(jf.uow(), clock, program, cmd, key())
    opening = [
        {"member": "B", "points": 400, "reference": "old-1", "expires_at": "2036-12-31"},
        {"member": "B", "points": 40, "reference": "old-2", "earned_at": "2026-01-05"},
    ]
    rows = list(enumerate(opening, start=1))
    assert imports.import_balances(jf.uow, clock, jf.rulebooks, program, rows).rejected == 0
    yesterday = RecordActivity("B", "profile_completed", occurred_at=now - timedelta(days=1))
    record_activity(jf.uow(), clock, jf.rulebooks, program, yesterday, key())
    outside = Earn("R", 5, expires_at=now + timedelta(days=3650))  # no rule: its caller's end
    ledger.earn(jf.uow(), clock, program, outside, key())
    short = Earn("R", 100, expires_at=now + timedelta(days=1))
    ledger.earn(jf.uow(), clock, program, short, key())
    spent = ledger.redeem(jf.uow(), clock, program, Redeem("R", 60), key())
    clock.advance(days=2)  # R's lot ends: points given back get a lot of their own
    nightly.settle_due(jf.uow, clock, program)
    ledger.reverse(jf.uow(), clock, program, Reverse(spent.entry_ids[0]), key())
    with jf.engine.connect() as conn:
        held = "SELECT DISTINCT source FROM lots WHERE rule_id IS NOT NULL OR source <> 'activity'"
        kinds = {r[0] for r in conn.execute(text(held))}
        stopped = _one(
            conn,
            "SELECT COUNT(*) FROM lots WHERE expires_at IS NULL AND issued_expires_at IS NOT NULL",
        )
    assert {"order", "activity", "adjustment", "import", "reversal"} <= kinds and stopped
    report = verification.verify(jf.uow, jf.rulebooks)
    assert report["ok"] and report["problems"]["lot_expiry_beyond_policy"] == 0, report


def test_a_lot_issued_never_to_expire_is_beyond_a_policy_that_always_ends(
    jf: Jifen, clock: FakeClock
) -> None:
    """Given a programme whose every tier's points end (lifestyle-brand), when a lot is
    rewritten as issued never to expire, chain recomputed, then verify alone sees it."""
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "L")
    buy(jf, program, "L", "l-1", "100.00")
    assert verification.verify(jf.uow, jf.rulebooks)["ok"]
    with jf.engine.begin() as conn:
        lot = _one(conn, "SELECT MIN(id) FROM lots WHERE source = 'order'")
        _exec(
            conn, "UPDATE lots SET expires_at = NULL, issued_expires_at = NULL WHERE id = :l", l=lot
        )
        _rechain(conn, _member(conn, "L"))
    report = verification.verify(jf.uow, jf.rulebooks)
    failing = {check for check, n in report["problems"].items() if n}
    assert failing == {"lot_expiry_beyond_policy"}, report
    assert report["examples"][0]["lot"] == lot and report["examples"][0]["issued"] is None


def test_the_chains_extend_an_anchor_taken_before_more_postings(
    jf: Jifen, clock: FakeClock
) -> None:
    clean = _clean_ledger(jf, clock)
    ledger.earn(jf.uow(), clock, clean.program, Earn("B", 5), key())
    ledger.redeem(jf.uow(), clock, clean.program, Redeem("A", 5), key())
    report = verification.verify(jf.uow, jf.rulebooks, clean.anchor)
    assert report["ok"] and report["problems"]["anchor"] == 0, report


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.replace('"heads"', '"head"'),
        lambda a: a[: len(a) // 2],
        lambda a: a.replace("jifen.anchor.v1", "x"),
        lambda a: a.replace(a[a.index('"heads"') + 14], "9", 1),
        lambda a: "[" * 100_000,
    ],
)
def test_an_unreadable_anchor_is_refused_with_its_code(
    jf: Jifen, clock: FakeClock, damage: Callable[[str], str]
) -> None:
    clean = _clean_ledger(jf, clock)
    with pytest.raises(InvalidInput) as err:
        verification.verify(jf.uow, jf.rulebooks, damage(clean.anchor))
    assert err.value.code == "anchor_unreadable"


def test_the_worker_writes_an_anchor_after_each_night_to_the_anchor_dir(
    jf: Jifen, clock: FakeClock, tmp_path: Path
) -> None:
    program = publish(jf)
    join(jf, program, "A")
    ledger.earn(
        jf.uow(), clock, program, Earn("A", 100, expires_at=clock.now() + timedelta(days=1)), key()
    )
    settings = jf.settings.model_copy(update={"anchor_dir": tmp_path})
    clock.set(datetime(2026, 3, 4, 18, 0, tzinfo=UTC))  # 02:00 in Shanghai: the night is due
    run_worker(Jifen(settings, jf.engine, clock), time(2, 0), once=True)
    written = list(tmp_path.glob("anchor-*.json"))
    assert len(written) == 1
    report = verification.verify(jf.uow, jf.rulebooks, written[0].read_text())
    assert report["ok"] and report["counts"]["entries"] == 2, report  # the earn, its expiry


@pytest.mark.postgres
def test_concurrent_postings_and_a_night_keep_every_chain_whole(
    pg_url: str, clock: FakeClock
) -> None:
    _truncate_all(pg_url)
    app = bootstrap(Settings(database_url=pg_url, db_pool_size=40), clock=clock)
    try:
        program = make_program(app)
        names = tuple(f"P-{n}" for n in range(6))
        soon = clock.now() + timedelta(seconds=1)
        for name in names:
            make_member(app, program, name, 100, expires_at=soon)
            ledger.earn(app.uow(), clock, program, Earn(name, 400), key())

        def writer(n: int) -> int:
            rng = random.Random(n)
            if n == 0:  # the night's set-based settlement, racing the postings
                return sum(nightly.settle_due(app.uow, clock, program).entries for _ in range(5))
            done = 0
            for _ in range(12):
                name = rng.choice(names)
                try:
                    if rng.random() < 0.5:
                        cmd = Earn(name, rng.randint(1, 40))
                        ledger.earn(app.uow(), clock, program, cmd, key("race"))
                    else:
                        ledger.redeem(app.uow(), clock, program, Redeem(name, 7), key("race"))
                    done += 1
                except InsufficientPoints:
                    pass
            return done

        clock.advance(seconds=2)  # the first lots are due: the night and the writers race
        results = run_together(12, writer)
        assert not [r for r in results if isinstance(r, Exception)], results
        report = verification.verify(app.uow, app.rulebooks)
        assert report["ok"] and report["counts"]["entries"] > 3 + 50, report
    finally:
        app.close()


def test_migration_0013_backfills_the_chains_the_ledger_writes(jf: Jifen, clock: FakeClock) -> None:
    """Given a ledger written before the chain, migrating chains it as the live path does."""
    _clean_ledger(jf, clock)
    chains = "SELECT id, prev_hash, hash FROM entries ORDER BY id"
    heads = "SELECT id, chain_head FROM members ORDER BY id"
    with jf.engine.connect() as conn:
        live = conn.execute(text(chains)).all(), conn.execute(text(heads)).all()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with jf.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0012")
        command.upgrade(config, "head")
    with jf.engine.connect() as conn:
        assert (conn.execute(text(chains)).all(), conn.execute(text(heads)).all()) == live
    assert verification.verify(jf.uow, jf.rulebooks)["ok"]

"""Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from jifen.adapters.db.tables import metadata
from jifen.bootstrap import MIGRATIONS, Jifen, bootstrap
from jifen.config import Settings
from tests.earning_fixtures import buy, join, publish


def test_migrated_schema_matches_the_declared_tables(jf: Jifen) -> None:
    with jf.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_migrations_run_down_and_up_again(tmp_path: Path) -> None:
    jf = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    jf.migrate()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with jf.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(jf.engine).get_table_names()) <= {"alembic_version"}
    jf.migrate()
    jf.migrate()  # a second run is a no-op
    assert {t.name for t in metadata.sorted_tables} <= set(inspect(jf.engine).get_table_names())
    jf.close()


def test_events_written_before_the_past_tense_are_renamed_with_it(tmp_path: Path) -> None:
    """Given outbox rows written under the old topics, migration 0011 renames them all."""
    jf = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    old = ["points.earn", "points.hold", "points.expiring", "tier.nearly_there", "member.created"]
    with jf.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0010")
        conn.execute(
            text(
                "INSERT INTO programs (code, name, currency, point_value, timezone, policy,"
                " created_at) VALUES ('p', '\"p\"', 'CNY', '0.01', 'UTC', '{}', '2026-12-01')"
            )
        )
        for topic in old:
            conn.execute(
                text(
                    "INSERT INTO outbox (program_id, topic, payload, created_at)"
                    " VALUES (1, :t, '{}', '2026-12-01')"
                ),
                {"t": topic},
            )
        command.upgrade(config, "head")
        topics = conn.execute(text("SELECT topic FROM outbox ORDER BY id")).scalars().all()
    assert topics == [
        "points.earned",
        "points.held",
        "points.expiry_approached",
        "tier.nearly_reached",
        "member.created",
    ]
    jf.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, not migrated."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    cluster = request.getfixturevalue("pg_cluster")
    if cluster is None:
        pytest.skip("PostgreSQL not installed")
    admin = bootstrap(Settings(database_url=cluster.url()))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE IF EXISTS jifen_migrating"))
        conn.execute(text("CREATE DATABASE jifen_migrating"))
    admin.close()
    return str(cluster.url("jifen_migrating"))


def test_keys_jifen_made_move_to_its_scope_and_a_callers_stay_the_callers(
    empty_url: str,
) -> None:
    """Given an order keyed by jifen and a caller's key that only looks like one (its order
    never recorded), migration 0012 puts the first in jifen's scope, the second in the
    caller's; downgrading puts them back in one namespace."""
    jf = bootstrap(Settings(database_url=empty_url))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    now = "2026-12-01 00:00:00.000000"
    with jf.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0011")
        conn.execute(
            text(
                "INSERT INTO programs (code, name, currency, point_value, timezone, policy,"
                " created_at) VALUES ('p', '\"p\"', 'CNY', '0.01', 'UTC', '{}', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO members (program_id, external_id, attributes, status, created_at,"
                " updated_at) VALUES (1, 'M1', '{}', 'active', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO orders (program_id, order_id, member_id, version, placed_at, paid,"
                " snapshot, award, created_at) VALUES (1, 'A', 1, 1, :now, 100, '{}', '{}', :now)"
            ),
            {"now": now},
        )
        for k in ("order:A", "order:rp-9", "adjust-1"):
            conn.execute(
                text(
                    "INSERT INTO idempotency_keys (program_id, key, fingerprint, created_at)"
                    " VALUES (1, :k, 'f', :now)"
                ),
                {"k": k, "now": now},
            )
        command.upgrade(config, "0012")
        scopes = dict(conn.execute(text("SELECT key, scope FROM idempotency_keys")).all())
        assert scopes == {"order:A": "jifen", "order:rp-9": "caller", "adjust-1": "caller"}
        conn.execute(
            text(
                "INSERT INTO idempotency_keys (program_id, scope, key, fingerprint, created_at)"
                " VALUES (1, 'caller', 'order:A', 'g', :now)"
            ),
            {"now": now},
        )
        command.downgrade(config, "0011")
        kept = dict(conn.execute(text("SELECT key, fingerprint FROM idempotency_keys")).all())
        assert kept == {"order:A": "f", "order:rp-9": "f", "adjust-1": "f"}
    jf.close()


def test_adjustment_reasons_written_before_0015_leave_the_members_history(
    tmp_path: Path,
) -> None:
    """Given an adjustment whose reason the member's history showed, migration 0015 takes it
    off the entry (the audit log keeps it); other entries keep their reasons."""
    jf = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with jf.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0012")
        conn.execute(
            text(
                "INSERT INTO programs (code, name, currency, point_value, timezone, policy,"
                " created_at) VALUES ('p', '\"p\"', 'CNY', '0.01', 'UTC', '{}', '2026-12-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO members (program_id, external_id, attributes, status, created_at,"
                " updated_at) VALUES (1, 'C-1', '{}', 'active', '2026-12-01', '2026-12-01')"
            )
        )
        for kind, reason in (("adjust", "rude on the phone"), ("reverse", "refund 7")):
            conn.execute(
                text(
                    "INSERT INTO entries (program_id, member_id, kind, amount, delta_available,"
                    " delta_pending, delta_held, reason, meta, created_at)"
                    " VALUES (1, 1, :k, 0, 0, 0, 0, :r, '{}', '2026-12-01')"
                ),
                {"k": kind, "r": reason},
            )
        command.upgrade(config, "head")
        reasons = conn.execute(text("SELECT kind, reason FROM entries ORDER BY id")).all()
        erased_at = conn.execute(text("SELECT erased_at FROM members")).scalar_one()
    assert [tuple(r) for r in reasons] == [("adjust", None), ("reverse", "refund 7")]
    assert erased_at is None
    jf.close()


def test_sign_in_codes_already_in_the_outbox_lose_their_digits(tmp_path: Path) -> None:
    """Given sign-in events written with their code in the clear, migration 0014 removes it."""
    jf = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with jf.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0013")
        conn.execute(
            text(
                "INSERT INTO programs (code, name, currency, point_value, timezone, policy,"
                " created_at) VALUES ('p', '\"p\"', 'CNY', '0.01', 'UTC', '{}', '2026-12-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO outbox (program_id, topic, payload, created_at) VALUES"
                " (1, 'member.signin_code_issued',"
                ' \'{"member": "C-1", "to": "a@example.com", "code": "604821"}\','
                " '2026-12-01')"
            )
        )
        command.upgrade(config, "head")
        payload = conn.execute(text("SELECT payload FROM outbox")).scalar_one()
    assert "604821" not in str(payload)
    assert "a@example.com" in str(payload)
    jf.close()


def test_orders_recorded_after_their_points_expired_are_marked_by_0017(jf: Jifen) -> None:
    """Given an order recorded after its points expired and a live one, written before the
    column (0017's downgrade drops it), 0017 marks the first only: its award says so."""
    program = publish(jf)
    join(jf, program, "C-1")
    shanghai = timezone(timedelta(hours=8))  # the clock: 2026-03-01; 12 months' expiry
    buy(jf, program, "C-1", "dead", "10.00", at=datetime(2025, 2, 28, 10, tzinfo=shanghai))
    buy(jf, program, "C-1", "live", "10.00", at=datetime(2025, 3, 2, 10, tzinfo=shanghai))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with jf.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0016")
            command.upgrade(config, "head")
    finally:
        jf.migrate()  # the database is shared by the session's tests
    with jf.engine.connect() as conn:
        rows = conn.execute(text("SELECT order_id, arrived_expired FROM orders ORDER BY id"))
        assert [(str(o), bool(x)) for o, x in rows] == [("dead", True), ("live", False)]

"""Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from jifen.adapters.db.tables import metadata
from jifen.bootstrap import MIGRATIONS, Jifen, bootstrap
from jifen.config import Settings


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

"""Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

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

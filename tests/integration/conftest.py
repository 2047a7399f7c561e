"""Fixtures for tests that compare two databases of the same kind."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from jifen.adapters.db.tables import metadata
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from tests.factories import FakeClock
from tests.pg import Cluster

TWIN = "jifen_twin"


@pytest.fixture(scope="session")
def pg_twin_url(pg_cluster: Cluster | None, pg_url: str) -> str:
    """A second migrated PostgreSQL database in the session's cluster."""
    assert pg_cluster is not None
    admin = bootstrap(Settings(database_url=pg_cluster.url()))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {TWIN}"))
    admin.close()
    url = pg_cluster.url(TWIN)
    twin = bootstrap(Settings(database_url=url))
    twin.migrate()
    twin.close()
    return url


@pytest.fixture
def twin(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Jifen]:
    """A second, empty database of the same kind as ``jf``'s."""
    if database_url.startswith("sqlite"):
        path = tmp_path / "twin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_twin_url")
        app = bootstrap(Settings(database_url=url))
        names = ", ".join(t.name for t in metadata.sorted_tables)
        with app.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        app.close()
    app = bootstrap(Settings(database_url=url), clock=FakeClock())
    try:
        yield app
    finally:
        app.close()

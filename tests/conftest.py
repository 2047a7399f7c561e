"""Fixtures: every database test runs on SQLite and on a real PostgreSQL.

PostgreSQL is required when ``CI`` or ``JIFEN_REQUIRE_POSTGRES`` is set (as
``make test`` does): then a PostgreSQL test fails, never skips, when the
server cannot be started.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text

from jifen.adapters.db.tables import metadata
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.programs import Program
from tests.factories import FakeClock, make_program
from tests.pg import Cluster, PostgresUnavailable, start_cluster

# A test run asks for the development secret (JIFEN_ENVIRONMENT unset is production).
os.environ["JIFEN_ENVIRONMENT"] = "test"

REQUIRE_PG = bool(os.environ.get("CI") or os.environ.get("JIFEN_REQUIRE_POSTGRES"))

# CI replays the same examples every run (a red run means the change broke something);
# local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | None]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unavailable: {exc}")
        yield None
        return
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_url(pg_cluster: Cluster | None) -> str:
    """A migrated PostgreSQL database for the session."""
    if pg_cluster is None:
        pytest.skip("PostgreSQL not installed (set JIFEN_REQUIRE_POSTGRES=1 to fail instead)")
    jf = bootstrap(Settings(database_url=pg_cluster.url()))
    with jf.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE DATABASE jifen_test"))
    jf.close()
    url = pg_cluster.url("jifen_test")
    jf = bootstrap(Settings(database_url=url))
    jf.migrate()
    jf.close()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "jifen.db"
    jf = bootstrap(Settings(database_url=f"sqlite:///{path}"))
    jf.migrate()
    jf.close()
    return path


def _truncate_all(url: str) -> None:
    jf = bootstrap(Settings(database_url=url))
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with jf.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    jf.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "jifen.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    _truncate_all(url)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def jf(database_url: str, clock: FakeClock) -> Iterator[Jifen]:
    app = bootstrap(Settings(database_url=database_url, db_pool_size=40), clock=clock)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def sqlite_jf(tmp_path: Path, sqlite_template: Path, clock: FakeClock) -> Iterator[Jifen]:
    """``jf`` on SQLite only, for what only SQLite does."""
    path = tmp_path / "jifen.db"
    shutil.copy(sqlite_template, path)
    app = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=clock)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def pg_jf(pg_url: str, clock: FakeClock) -> Iterator[Jifen]:
    """``jf`` on PostgreSQL only (mark the test ``postgres``), for what only it does."""
    _truncate_all(pg_url)
    app = bootstrap(Settings(database_url=pg_url, db_pool_size=40), clock=clock)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def program(jf: Jifen) -> Program:
    return make_program(jf)

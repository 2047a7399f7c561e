"""``jifen import orders`` on SQLite and PostgreSQL, beside the raw insert of the same rows.

For each database a template holds the fresh-market programme and one member
for every 20 orders (written straight into the table). The order file is
``bench/orders_file.py``'s: one to three lines an order, a few minutes apart,
cycling through the members. Each run imports the file with the real command
(``jifen import orders FILE``) in its own process, on a fresh copy of the
template; it is timed from outside, and its peak RSS comes from ``wait4``.

The ceiling is the raw insert of the same rows: what that import wrote
(orders, entries, lots, outbox events, idempotency keys, monthly activity,
rule usage, tier changes, campaign spends) is written again into a fresh copy
of the template by the fastest plain means each database has (``COPY`` on
PostgreSQL, one ``executemany`` a table on SQLite), in one transaction, with
the same indexes and settings. Ratio = jifen's orders/s / the raw rows'
orders/s. Memory: one more run on a file a fifth the size: flat means the same
peak whatever the size.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import insert, text
from tests.pg import Cluster

from bench import profile
from bench.harness import Figure
from bench.orders_file import write_orders
from jifen.adapters.db.tables import members
from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.services import programs

DEFAULT_ORDERS = 50_000  # keeps `make bench` in its budget; the target is 1,000,000
ORDERS = int(os.environ.get("JIFEN_BENCH_IMPORT_ORDERS", str(DEFAULT_ORDERS)))
ORDERS_PER_MEMBER = 20
TARGET_RATIO = 0.25
TARGET_RSS_MB = 300
ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "programs" / "fresh-market.yaml"
# every table an order import inserts into (members are updated, not inserted), and
# whether its rows have an id: the raw insert copies those above the template's last
WRITTEN = {
    "entries": True,
    "lots": True,
    "orders": True,
    "campaign_spend": True,
    "outbox": True,  # the template has the programme's publication
    "idempotency_keys": False,
    "member_months": False,
    "rule_usage": False,
    "tier_changes": True,
}
JIFEN = str(Path(sys.executable).with_name("jifen"))


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float


@dataclass(frozen=True)
class Place:
    """One database kind: how to copy its template, run jifen on a copy, and its raw insert."""

    label: str
    fresh: Callable[[str], str]  # a name -> the URL of a new copy of the template
    raw: Callable[[str, str], float]  # (imported URL, fresh URL) -> seconds to insert its rows
    drop: Callable[[str], None]


def section(cluster: Cluster, runs: int, cmd: str) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="jifen-import-"))
    try:
        ids = [f"M{n:07d}" for n in range(1, ORDERS // ORDERS_PER_MEMBER + 1)]
        big = write_orders(work / "orders.jsonl", ORDERS, ids)
        small = write_orders(work / "small.jsonl", ORDERS // 5, ids)
        places = [_sqlite(work, ids), _postgres(cluster, ids)]
        results = [_measure(place, big, small, runs) for place in places]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _render(results, runs, cmd)


def _measure(place: Place, big: Path, small: Path, runs: int) -> dict[str, Any]:
    print(f"  importing {ORDERS:,} orders on {place.label} ...", file=sys.stderr)
    jifen_runs, raw_runs, peaks = [], [], []
    for n in range(runs):
        url = place.fresh(f"run{n}")
        run = _import(url, big)
        jifen_runs.append(ORDERS / run.seconds)
        peaks.append(run.peak_rss_mb)
        again = place.fresh(f"raw{n}")
        raw_runs.append(ORDERS / place.raw(url, again))
        if n == 0:
            verified = _verify(url)
        place.drop(url)
        place.drop(again)
    url = place.fresh("small")
    small_peak = _import(url, small).peak_rss_mb
    place.drop(url)
    url = place.fresh("profile")
    env = {**os.environ, "JIFEN_DATABASE_URL": url, "COLUMNS": "100"}
    areas = profile.record_command([JIFEN, "import", "orders", str(small)], env)
    place.drop(url)
    return {
        "label": place.label,
        "figure": Figure(
            f"import orders, {place.label}", "orders/s", jifen_runs, "raw insert", raw_runs, ""
        ),
        "peak": max(peaks),
        "small_peak": small_peak,
        "verified": verified,
        "profile": areas,
    }


def _import(url: str, path: Path) -> Run:
    env = {**os.environ, "JIFEN_DATABASE_URL": url, "COLUMNS": "100"}
    with tempfile.NamedTemporaryFile("r", suffix=".json") as usage:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", LAUNCH, usage.name, JIFEN, "import", "orders", str(path)],
            env=env,
            capture_output=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"jifen import orders failed: {done.stdout.decode()}")
        peak_kb = json.loads(usage.read())
    return Run(seconds, peak_kb / 1024)


# A small launcher forks the import and reports its peak RSS: a child forked from this
# (large) process would count this process's pages until it execs.
LAUNCH = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    json.dump(usage.ru_maxrss, fh)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _verify(url: str) -> bool:
    env = {**os.environ, "JIFEN_DATABASE_URL": url}
    done = subprocess.run([JIFEN, "verify"], env=env, capture_output=True, check=False)
    return done.returncode == 0


def _template(url: str, ids: list[str]) -> dict[str, str]:
    """Make the template; return, per written table, the SQL that selects the new rows."""
    jf = bootstrap(Settings(database_url=url))
    jf.migrate()
    source = PROGRAM.read_text(encoding="utf-8")
    program, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, source, "fresh-market", actor="bench"
    )
    joined = datetime(2025, 6, 1, tzinfo=UTC)
    rows = [
        {
            "program_id": program.id,
            "external_id": ext,
            "attributes": {},
            "status": "active",
            "created_at": joined,
            "updated_at": joined,
        }
        for ext in ids
    ]
    new_rows = {}
    with jf.engine.begin() as conn:
        conn.execute(insert(members), rows)
        for table, has_id in WRITTEN.items():
            if has_id:
                last = conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
                new_rows[table] = f"SELECT * FROM {table} WHERE id > {int(last)}"
            else:
                count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                assert count == 0, f"{table} is not empty in the template"
                new_rows[table] = f"SELECT * FROM {table}"
    jf.close()
    return new_rows


def _sqlite(work: Path, ids: list[str]) -> Place:
    template = work / "template.db"
    new_rows = _template(f"sqlite:///{template}", ids)

    def fresh(name: str) -> str:
        path = work / f"{name}.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"

    def raw(imported: str, target: str) -> float:
        source = sqlite3.connect(imported.removeprefix("sqlite:///"))
        tables = {t: source.execute(sql).fetchall() for t, sql in new_rows.items()}
        source.close()
        conn = sqlite3.connect(target.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")  # as jifen's engine sets them
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table, rows in tables.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.close()
        return seconds

    def drop(url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)

    return Place("SQLite", fresh, raw, drop)


def _postgres(cluster: Cluster, ids: list[str]) -> Place:
    admin = cluster.url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS import_template")
        conn.execute("CREATE DATABASE import_template")
    new_rows = _template(cluster.url("import_template"), ids)

    def plain(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://")

    def fresh(name: str) -> str:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS import_{name}")
            conn.execute(f"CREATE DATABASE import_{name} TEMPLATE import_template")
        return cluster.url(f"import_{name}")

    def raw(imported: str, target: str) -> float:
        dumps = {}
        with psycopg.connect(plain(imported)) as conn, conn.cursor() as cur:
            for table, sql in new_rows.items():
                with cur.copy(f"COPY ({sql}) TO STDOUT") as copy:
                    dumps[table] = b"".join(bytes(chunk) for chunk in copy)
        with psycopg.connect(plain(target)) as conn, conn.cursor() as cur:
            started = time.perf_counter()
            for table, data in dumps.items():
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(data)
            conn.commit()
            return time.perf_counter() - started

    def drop(url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")

    return Place("PostgreSQL", fresh, raw, drop)


def _render(results: list[dict[str, Any]], runs: int, cmd: str) -> list[str]:
    lines = [
        "## Bulk import",
        "",
        f"`jifen import orders` of a file of {ORDERS:,} orders (JSON Lines, one to three lines "
        f"an order, {ORDERS // ORDERS_PER_MEMBER:,} members), each run in its own process on a "
        f"fresh copy of the same database, median of {runs} runs (min-max). Ceiling in the same "
        "run: the raw insert of the same rows, that is every row the import wrote (orders, "
        "entries, lots, outbox, idempotency keys, monthly activity, rule usage, tier changes), "
        "written again into a fresh copy by `COPY` (PostgreSQL) or one `executemany` a table "
        "(SQLite) in one transaction. On PostgreSQL the import runs in its default lanes, one "
        f"process a core ({os.cpu_count()} here), the file split by member (ADR 0028); on SQLite "
        "in one. Ratio = jifen / raw, in orders per second. Peak RSS is the largest of the "
        "import's processes, beside a run on a file a fifth the size. Target: at least "
        f"{TARGET_RATIO:.0%} of raw, memory flat and under {TARGET_RSS_MB} MB.",
        "",
        "| database | jifen orders/s | raw insert orders/s | ratio | peak RSS | "
        f"peak RSS at {ORDERS // 5:,} orders | `jifen verify` | target met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for r in results:
        f: Figure = r["figure"]
        flat = r["peak"] <= r["small_peak"] * 1.25 and r["peak"] < TARGET_RSS_MB
        met = f.ratio >= TARGET_RATIO and flat
        noisy = " (noisy)" if f.noisy else ""
        lines.append(
            f"| {r['label']} | {f.median:,.0f} ({min(f.runs):,.0f}-{max(f.runs):,.0f}){noisy} "
            f"| {f.ceiling:,.0f} ({min(f.ceiling_runs):,.0f}-{max(f.ceiling_runs):,.0f}) "
            f"| {f.ratio:.2f} | {r['peak']:.0f} MB | {r['small_peak']:.0f} MB "
            f"| {'ok' if r['verified'] else 'FAILED'} | {'yes' if met else 'no'} |"
        )
        minutes = 1_000_000 / f.median / 60
        notes.append(
            f"- {r['label']}: 1,000,000 orders at this rate take ~{minutes:.0f} min; "
            f"memory {'flat' if flat else 'NOT flat'} ({r['small_peak']:.0f} MB at a fifth of "
            f"the file, {r['peak']:.0f} MB at all of it)."
        )
    for r in results:
        if r["figure"].ratio < TARGET_RATIO:
            notes.append(
                f"- Where an import's time goes, {r['label']} (py-spy on `jifen import orders` "
                f"of the {ORDERS // 5:,}-order file and its lanes, CPU samples by the innermost "
                "area): "
                f"{profile.shares(r['profile'])}."
            )
    lines += [
        "",
        *notes,
        "",
        f"Reproduce: `{cmd}` (`JIFEN_BENCH_IMPORT_ORDERS` sets the size).",
        "",
    ]
    return lines


if __name__ == "__main__":  # a quick look: python -m bench.bulk_import
    from tests.pg import start_cluster

    found = start_cluster(durable=True)
    try:
        print("\n".join(section(found, 1, "python -m bench.bulk_import")))
    finally:
        found.stop()

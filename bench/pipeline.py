"""The nightly pipeline on PostgreSQL, beside plain UPDATEs of the same rows.

A population of N members with 5 lots each (plus a hold for 1 in 100 members)
is generated with ``generate_series`` straight into the schema, consistent
enough that ``jifen verify`` passes on it: most lots are not due, ~6% have
expired by the night's cut-off, ~3% are pending and due, 1% pending and not
due, ~4.5% end within 30 days (reminders), 40% end later, the rest never.
The programme is ``programs/fresh-market.yaml`` (tiers, reviews, birthday
gifts): 1 member in 365 has a birthday that night, and 3 in 10 hold a tier.
Two nights are measured on the same population: an ordinary one, and the
1 January review night, on which every tiered member is reviewed.
Each run works on a fresh copy (``CREATE DATABASE ... TEMPLATE``): first the
ceiling, plain ``UPDATE ... SET x = x`` over exactly the lot, hold and member
rows the pipeline writes, then (after a VACUUM) ``jifen jobs run``'s service
in a child process, which reports its seconds and its peak RSS.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from tests.pg import Cluster

from bench.harness import Figure
from jifen.adapters.db.ledger.chain import chain_written
from jifen.adapters.db.tables import entries
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.days import local_day
from jifen.domain.nightly import cutoff
from jifen.domain.programs import Program
from jifen.services import ledger, programs
from jifen.services.nightly import settlement

DEFAULT_MEMBERS = 200_000  # keeps `make bench` in its budget; 1,000,000 is the target's size
DEFAULT_CHUNK = settlement.CHUNK
MEMBERS = int(os.environ.get("JIFEN_BENCH_PIPELINE_MEMBERS", str(DEFAULT_MEMBERS)))
CHUNKS = [
    int(c) for c in os.environ.get("JIFEN_BENCH_PIPELINE_CHUNKS", str(DEFAULT_CHUNK)).split(",")
]
TARGET_SECONDS = 60.0  # at 1,000,000 members and 5,000,000 lots
TEMPLATE = "pipeline_template"
COPY = "pipeline_run"
TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "programs" / "fresh-market.yaml"  # tiers, reviews and birthday gifts

LOTS = """
INSERT INTO lots (id, program_id, member_id, entry_id, amount, remaining, available_at,
                  expires_at, pending, source, rule_id, created_at)
SELECT id, :p, m, m, 100, 100,
       CASE WHEN r >= 60 AND r < 90 THEN :cut - (r - 59) * interval '1 hour'
            WHEN r >= 90 AND r < 100 THEN :cut + (r - 89) * interval '1 day'
            ELSE :made END,
       CASE WHEN r < 60 THEN :cut - (r + 1) * interval '1 hour'
            WHEN r < 100 THEN :cut + interval '200 days'
            WHEN r < 105 THEN :cut + interval '12 hours'
            WHEN r < 115 THEN :cut + interval '3 days' + (r - 105) * interval '1 hour'
            WHEN r < 145 THEN :cut + interval '8 days' + (r - 115) * interval '12 hours'
            WHEN r < 545 THEN :cut + interval '31 days' + (r - 145) * interval '12 hours'
            END,
       r >= 60 AND r < 100, 'order', 'base', :made
FROM (SELECT g AS id, (g - 1) / 5 + 1 AS m, abs(hashint8(g)) % 1000 AS r
      FROM generate_series(1, :n * 5) g) x
"""
HOLD_LOTS = """
INSERT INTO lots (id, program_id, member_id, entry_id, amount, remaining, available_at,
                  expires_at, pending, source, rule_id, created_at)
SELECT :n * 5 + h, :p, h * 100, h * 100, 50, 40, :made, NULL, false, 'order', 'base', :made
FROM generate_series(1, :n / 100) h
"""
EARNS = """
INSERT INTO entries (id, program_id, member_id, kind, amount, delta_available, delta_pending,
                     delta_held, meta, created_at)
SELECT member_id, :p, member_id, 'earn', SUM(amount),
       SUM(CASE WHEN pending THEN 0 ELSE amount END), SUM(CASE WHEN pending THEN amount ELSE 0 END),
       0, '{}', :made
FROM lots GROUP BY member_id
"""
HOLDS = [
    """INSERT INTO entries (id, program_id, member_id, kind, amount, delta_available,
                            delta_pending, delta_held, hold_id, meta, created_at)
       SELECT :n + h, :p, h * 100, 'hold', 10, -10, 0, 10, h, '{}', :cut - interval '2 hours'
       FROM generate_series(1, :n / 100) h""",
    """INSERT INTO holds (id, program_id, member_id, entry_id, amount, captured, status,
                          expires_at, created_at)
       SELECT h, :p, h * 100, :n + h, 10, 0, 'active', :cut - interval '30 minutes',
              :cut - interval '2 hours'
       FROM generate_series(1, :n / 100) h""",
    """INSERT INTO draws (id, entry_id, lot_id, amount)
       SELECT h, :n + h, :n * 5 + h, 10 FROM generate_series(1, :n / 100) h""",
]
# 1 member in 365 has a birthday tonight; 2 in 10 are silver and 1 in 10 gold, all
# up for review tonight, with last year's spend in one month of member_months
# (0 to 5,999 yuan: gold keeps at 3,000, silver at 1,000; the others step down).
MEMBER_ROWS = """
INSERT INTO members (id, program_id, external_id, attributes, status, available, pending, held,
                     birthday, tier, tier_earned, tier_since, tier_review_month,
                     created_at, updated_at)
SELECT e.member_id, :p, 'M' || e.member_id, '{}', 'active', SUM(e.delta_available),
       SUM(e.delta_pending), SUM(e.delta_held),
       CASE WHEN e.member_id % 365 = 0 THEN :born ELSE :born + 100 END,
       CASE e.member_id % 10 WHEN 0 THEN 'silver' WHEN 1 THEN 'silver' WHEN 2 THEN 'gold' END,
       CASE e.member_id % 10 WHEN 0 THEN 'silver' WHEN 1 THEN 'silver' WHEN 2 THEN 'gold' END,
       CASE WHEN e.member_id % 10 < 3 THEN :made END,
       CASE WHEN e.member_id % 10 < 3 THEN :month END,
       :made, :made
FROM entries e GROUP BY e.member_id
"""
MONTH_ROWS = """
INSERT INTO member_months (member_id, month, spend, points, orders)
SELECT id, :last_month, (abs(hashint8(id)) % 6000) * 100, abs(hashint8(id)) % 6000, 3
FROM members WHERE tier IS NOT NULL
"""
SEQUENCES = ["members", "entries", "lots", "holds", "draws"]

# The ceiling: rewrite, unchanged, every row the pipeline writes (it also inserts
# entries, draws, outbox events and reminder records, which this does not).
PLAIN = [
    """UPDATE lots SET remaining = remaining WHERE remaining > 0 AND
       (expires_at <= :cut OR (pending AND available_at <= :cut))""",
    "UPDATE lots SET remaining = remaining WHERE id IN (SELECT d.lot_id FROM draws d "
    "JOIN entries e ON e.id = d.entry_id JOIN holds h ON h.id = e.hold_id "
    "WHERE h.status = 'active' AND h.expires_at <= :cut)",
    "UPDATE holds SET status = status WHERE status = 'active' AND expires_at <= :cut",
    """UPDATE members SET available = available WHERE id IN (
         SELECT member_id FROM lots WHERE remaining > 0 AND
           (expires_at <= :cut OR (pending AND available_at <= :cut))
         UNION SELECT member_id FROM holds WHERE status = 'active' AND expires_at <= :cut)""",
    "UPDATE members SET tier = tier WHERE tier_review_month <= :month",
    "UPDATE members SET available = available WHERE id % 365 = 0",
]


def _admin(url: str) -> Engine:
    # no pool: an idle pooled connection to the template would stop it being copied
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def build(admin_url: str, db_url: str) -> tuple[Program, datetime, float]:
    """The template database: migrated, one programme, the population; seconds taken."""
    started = time.perf_counter()
    with _admin(admin_url).connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    jf = bootstrap(Settings(database_url=db_url))
    jf.migrate()
    source = PROGRAM.read_text(encoding="utf-8")
    program, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, source, PROGRAM.name, actor="bench"
    )
    day = datetime.now(TZ).date()
    cut = cutoff(day, TZ)
    params = {
        "p": program.id,
        "n": MEMBERS,
        "cut": cut,
        "made": cut - timedelta(days=100),
        "born": _birthday(day),
        "month": _month(day),
        "last_month": _month(day.replace(day=1) - timedelta(days=1)),
    }
    with jf.engine.begin() as conn:
        conn.execute(text("SET session_replication_role = replica"))  # no FK checks on load
        for sql in (LOTS, HOLD_LOTS, EARNS, *HOLDS, MEMBER_ROWS, MONTH_ROWS):
            conn.execute(text(sql), params)
        for table in SEQUENCES:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                )
            )
        conn.execute(text("UPDATE lots SET issued_expires_at = expires_at"))
    chain_population(jf)
    jf.close()
    with _admin(db_url).connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return program, cut, time.perf_counter() - started


def chain_population(jf: Jifen, per_chunk: int = 20_000) -> None:
    """Hash the generated entries into their members' chains, as migration 0013 would."""
    top = 0
    with jf.engine.connect() as conn:
        top = int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM members")).scalar_one())
    for lo in range(1, top + 1, per_chunk):
        with jf.engine.begin() as conn:
            chain_written(conn, entries.c.member_id.between(lo, lo + per_chunk - 1))


def _month(day: date) -> int:
    return day.year * 100 + day.month


def _birthday(day: date) -> date:
    """A birth date celebrated on ``day`` (29 February is celebrated on the 28th)."""
    return date(1992, day.month, day.day)


def plain_updates(url: str, cut: datetime) -> float:
    engine = create_engine(url, poolclass=NullPool)
    month = _month(local_day(cut, TZ))
    with engine.begin() as conn:
        started = time.perf_counter()
        for sql in PLAIN:
            conn.execute(text(sql), {"cut": cut, "month": month})
    seconds = time.perf_counter() - started
    engine.dispose()
    with _admin(url).connect() as conn:
        conn.execute(text("VACUUM ANALYZE lots, members, holds"))
    return seconds


def pipeline_child(url: str, code: str, day: date, chunk: int) -> dict[str, Any]:
    """``jifen jobs run`` (its service, no terminal) in a child process: seconds, peak RSS."""
    env = {**os.environ, "JIFEN_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.pipeline_child", code, str(day), str(chunk)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def copy_template(admin_url: str) -> None:
    with _admin(admin_url).connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {COPY}"))
        conn.execute(text(f"CREATE DATABASE {COPY} TEMPLATE {TEMPLATE}"))


#: (name, whether the tiered 30% are up for review tonight)
NIGHTS = [("ordinary night", False), ("review night (1 January)", True)]


def no_reviews_tonight(url: str, day: date) -> None:
    """Move every review a year on (untimed): the same population on an ordinary night."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE members SET tier_review_month = :later WHERE tier_review_month IS NOT NULL"
            ),
            {"later": _month(day) + 100},
        )
    engine.dispose()
    with _admin(url).connect() as conn:
        conn.execute(text("VACUUM ANALYZE members"))


Row = tuple[Figure, list[float], dict[str, Any]]


def section(cluster: Cluster, runs: int, command: str) -> list[str]:
    admin = cluster.url()
    program, cut, built = build(admin, cluster.url(TEMPLATE))
    day = local_day(cut, TZ)
    print(f"  {MEMBERS:,} members generated in {built:.0f} s", file=sys.stderr)
    rows: list[Row] = []
    verified = ""
    for night, reviews in NIGHTS:
        for chunk in CHUNKS:
            seconds, ceiling, rss, reports = [], [], [], []
            for _ in range(runs):
                copy_template(admin)
                if not reviews:
                    no_reviews_tonight(cluster.url(COPY), day)
                ceiling.append(plain_updates(cluster.url(COPY), cut))
                reports.append(pipeline_child(cluster.url(COPY), program.code, day, chunk))
                seconds.append(reports[-1]["seconds"])
                rss.append(reports[-1]["peak_rss_mb"])
                print(f"  {night}, chunk {chunk}: {seconds[-1]:.1f} s", file=sys.stderr)
            if not verified:
                verified = verify(cluster.url(COPY))
            figure = Figure(
                f"nightly pipeline, {night}, {chunk:,} members per chunk",
                "s",
                seconds,
                "plain UPDATE of the same rows",
                ceiling,
                command,
            )
            median_run = sorted(reports, key=lambda r: float(r["seconds"]))[len(reports) // 2]
            rows.append((figure, rss, median_run))
    with _admin(admin).connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {COPY}"))
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
    return render(rows, verified, built, runs, command)


def verify(url: str) -> str:
    jf = bootstrap(Settings(database_url=url))
    started = time.perf_counter()
    report = ledger.verify(jf.uow, jf.rulebooks)
    jf.close()
    took = time.perf_counter() - started
    return f"{'ok' if report['ok'] else 'FAILED'} ({took:.0f} s)"


def render(
    rows: list[tuple[Figure, list[float], dict[str, Any]]],
    verified: str,
    built: float,
    runs: int,
    command: str,
) -> list[str]:
    lots = MEMBERS * 5 + MEMBERS // 100
    sized = [f"JIFEN_BENCH_PIPELINE_MEMBERS={MEMBERS}"] if MEMBERS != DEFAULT_MEMBERS else []
    if CHUNKS != [DEFAULT_CHUNK]:
        sized.append(f"JIFEN_BENCH_PIPELINE_CHUNKS={','.join(map(str, CHUNKS))}")
    reproduce = " ".join([*sized, command])
    lines = [
        "## Nightly pipeline",
        "",
        f"{MEMBERS:,} members and {lots:,} lots on PostgreSQL (generated in {built:.0f} s), "
        f"median of {runs} run(s), min-max beside it, each on a fresh copy of the same "
        "population. The ceiling is plain `UPDATE ... SET x = x` of exactly the lot, hold "
        "and member rows the pipeline writes, in one transaction, on the same copy just "
        "before. Ratio = pipeline seconds / ceiling seconds. Peak RSS is the pipeline "
        f"process's. The pipeline walks the members in {Settings().pipeline_lanes} lane(s) "
        "side by side (`JIFEN_PIPELINE_LANES`; the ceiling is one statement on one core). "
        f"Target: the whole pipeline under {TARGET_SECONDS:.0f} s at 1,000,000 "
        "members and 5,000,000 lots.",
        "",
        "| figure | seconds | min-max | ceiling seconds | ratio | peak RSS | written | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f, rss, run in rows:
        note = "noisy (>25% spread)" if f.noisy else ""
        lines.append(
            f"| {f.name} | {f.median:.1f} | {min(f.runs):.1f}-{max(f.runs):.1f} "
            f"| {f.ceiling:.1f} | {f.ratio:.1f}x | {statistics.median(rss):.0f} MB "
            f"| {int(run['entries']):,} entries, {int(run['events']):,} reminders | {note} |"
        )
    lines.append("")
    for night, _ in NIGHTS:
        best_figure, _, best_run = min(
            (r for r in rows if f", {night}," in r[0].name), key=lambda r: r[0].median
        )
        steps = ", ".join(f"{name} {sec:.1f} s" for name, sec in best_run["steps"].items())
        scaled = best_figure.median * 1_000_000 / MEMBERS
        met = "met" if scaled < TARGET_SECONDS else f"missed by {scaled - TARGET_SECONDS:.0f} s"
        lines += [
            f"- {night[0].upper()}{night[1:]}, per step: {steps}. "
            + (
                f"Target: {met}."
                if MEMBERS == 1_000_000
                else f"Scaled linearly to 1,000,000 members: ~{scaled:.0f} s (target {met})."
            ),
        ]
    lines += [
        "",
        "The population: 1 member in 365 has a birthday that night; 2 in 10 are silver and "
        "1 in 10 gold. On the review night all of those are reviewed against last year's "
        "spend, and about a third step down; on an ordinary night their reviews are a year "
        f"away. `jifen verify` after the first run: {verified}."
        + (
            ""
            if MEMBERS == 1_000_000
            else " `JIFEN_BENCH_PIPELINE_MEMBERS=1000000` measures the target's size."
        ),
        "",
        f"Reproduce: `{reproduce}` (`JIFEN_BENCH_PIPELINE_MEMBERS` sets the size, "
        "`JIFEN_BENCH_PIPELINE_CHUNKS=2000,5000,20000` compares chunk sizes).",
        "",
    ]
    return lines

"""`python -m bench`: run the benchmarks and write docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from tests.pg import start_cluster

from bench import bulk_import, over_http, rules
from bench import chain as chain_bench
from bench import engagement as engagement_bench
from bench import ledger as ledger_bench
from bench import pipeline as pipeline_bench
from bench.harness import Figure
from bench.over_http import flash_sale
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.programs import Program
from jifen.services import programs

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("JIFEN_BENCH_RUNS", "3"))
COUNT = int(os.environ.get("JIFEN_BENCH_COUNT", "2000"))
CMD = "make bench"


def setup(url: str) -> tuple[Jifen, Program, list[str]]:
    jf = bootstrap(Settings(database_url=url, db_pool_size=20))
    jf.migrate()
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, source, "fresh-market", actor="bench"
    )
    return jf, program, ledger_bench.enrol(jf, program)


def suite(label: str, url: str, clients: tuple[int, ...]) -> list[Figure]:
    jf, program, ids = setup(url)
    figures = []
    for n in clients:
        ceiling = ledger_bench.raw_earn(jf, program, COUNT, n, RUNS)
        earned = ledger_bench.jifen_earn(jf, program, ids, COUNT, n, RUNS)
        spent = ledger_bench.jifen_redeem(jf, program, ids, COUNT, n, RUNS)
        raw = f"bare earn SQL ({label}, {n} client{'s' if n > 1 else ''})"
        figures.append(
            Figure(
                f"earn via services, {label}, {n} client(s)", "earns/s", earned, raw, ceiling, CMD
            )
        )
        figures.append(
            Figure(
                f"redeem via services, {label}, {n} client(s)",
                "redeems/s",
                spent,
                raw,
                ceiling,
                CMD,
            )
        )
    jf.close()
    return figures


def machine() -> list[str]:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [
        f"- cores: {os.cpu_count()}, memory: {mem:.0f} GiB, {platform.machine()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


def render(figures: list[Figure], info: list[str], seconds: float, sections: list[str]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{CMD}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {seconds:.0f} s. "
        "Nothing here is typed by hand.",
        "",
        "## Machine",
        *info,
        "",
        *sections,
        "## Ledger writes",
        "",
        f"Each figure is the median of {RUNS} runs of {COUNT} operations (min-max beside it), "
        "next to its ceiling measured in the same run on the same database: the bare SQL "
        "of an earn (insert entry, insert lot, update balance in one transaction) with no "
        "domain, no idempotency key and no outbox. Ratio = figure / ceiling.",
        "",
        "| figure | median | min-max | ceiling | ceiling median | ratio | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        note = "noisy (>25% spread)" if f.noisy else ""
        lines.append(
            f"| {f.name} | {f.median:,.0f} {f.unit} | {min(f.runs):,.0f}-{max(f.runs):,.0f} "
            f"| {f.ceiling_name} | {f.ceiling:,.0f}/s | {f.ratio:.2f} | {note} |"
        )
    lines += [
        "",
        f"Reproduce: `{CMD}` (set `JIFEN_BENCH_RUNS`, `JIFEN_BENCH_COUNT` to change "
        "the sample). PostgreSQL runs with its durable defaults (fsync on, "
        "synchronous_commit on) in a throwaway cluster on loopback.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    started = time.perf_counter()
    info = machine()
    figures: list[Figure] = []
    print("rule conditions ...", file=sys.stderr)
    sections = rules.conditions_section(max(RUNS, 5))
    print("programmes per order ...", file=sys.stderr)
    sections += rules.programme_section(max(RUNS, 5))
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite ...", file=sys.stderr)
        figures += suite("SQLite", f"sqlite:///{tmp}/bench.db", (1,))
    cluster = start_cluster(durable=True)
    try:
        print("PostgreSQL ...", file=sys.stderr)
        url = cluster.url()
        probe = bootstrap(Settings(database_url=url))
        with probe.engine.connect() as conn:
            info.append(f"- {conn.execute(text('SHOW server_version')).scalar()} (PostgreSQL)")
        probe.close()
        figures += suite("PostgreSQL", url, (1, 8))
        print("earning and reading over HTTP ...", file=sys.stderr)
        sections += over_http.section(cluster, RUNS, CMD)
        print("a flash sale's claims ...", file=sys.stderr)
        sections += flash_sale.section(cluster, RUNS, CMD)
        print("the hash chain on an order ...", file=sys.stderr)
        sections += chain_bench.section(cluster, RUNS, COUNT)
        print("challenges and leaderboards ...", file=sys.stderr)
        sections += engagement_bench.section(cluster, RUNS, COUNT)
        print("nightly pipeline ...", file=sys.stderr)
        sections += pipeline_bench.section(cluster, RUNS, CMD)
        print("bulk import ...", file=sys.stderr)
        sections += bulk_import.section(cluster, RUNS, CMD)
    finally:
        cluster.stop()
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text(render(figures, info, time.perf_counter() - started, sections), encoding="utf-8")
    print(out.read_text(), file=sys.stderr)


if __name__ == "__main__":
    main()

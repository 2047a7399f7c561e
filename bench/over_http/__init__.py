"""Earning and reading over HTTP on PostgreSQL, beside the machine's two ceilings.

``jifen serve``'s app runs under uvicorn (``JIFEN_BENCH_HTTP_WORKERS`` workers,
2 by default: one per core) on a throwaway database of the session's cluster,
with the fresh-market programme and ``MEMBERS`` members. ``wrk`` (Debian's
package), in its own process on loopback, posts a typical five-line order with
a fresh order id per request at 1, 16 and 64 connections. In the same run and
interleaved with it, run by run:

- the **bare endpoint**: the same FastAPI, request model and uvicorn settings,
  parsing the same body and answering a JSON of the same size, with no database
  (``bench/over_http/bare_app.py``);
- **pgbench** on the same database, running the earn at its barest: insert an
  entry, insert a lot, update the member's balance (``bench/over_http/earn.pgbench``).

And, to tell PostgreSQL's share from Python's, pgbench running the order's own SQL:
the two statements a lone order through jifen sends, in the same two pipelines, with
no Python at all; and the same for a group of ``order_sql.GROUP`` orders in one
transaction, the grouped write (``order_sql.py`` writes both scripts from jifen's own
statements at bench time).

Reads (a member's balance, a page of their history) are measured while orders
are being posted at 16 connections, beside the bare endpoint under the same load.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from psycopg import pq
from sqlalchemy import event, text
from tests.pg import Cluster, free_port

from bench import profile
from bench.over_http import order_sql
from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.services import members, programs
from jifen.services.access import apikeys
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.ledger import verification
from jifen.services.members.commands import CreateMember

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
DATABASE = "http_bench"
#: pgbench's ceilings write rows of their own (no hash chain, no programme's expiry):
#: they run on a copy, so that ``jifen verify`` afterwards judges only jifen's writes
PGBENCH_DATABASE = "http_bench_pgbench"
MEMBERS = 2_000
CLIENTS = (1, 16, 64)
SECONDS = float(os.environ.get("JIFEN_BENCH_HTTP_SECONDS", "8"))
WORKERS = int(os.environ.get("JIFEN_BENCH_HTTP_WORKERS", "2"))
# the typical order, as orders.lua posts it
PAID = "158.70"
LINES: list[dict[str, Any]] = [
    {"sku": "eggs-12", "quantity": 1, "unit_price": "15.00", "category": "dairy",
     "tags": ["daily_special"]},
    {"sku": "bok-choy", "quantity": 2, "unit_price": "6.50", "category": "vegetables"},
    {"sku": "pork-500g", "quantity": 1, "unit_price": "32.00", "category": "meat"},
    {"sku": "rice-10kg", "quantity": 1, "unit_price": "65.00", "category": "grocery"},
    {"sku": "apples-1kg", "quantity": 1, "unit_price": "33.70", "category": "fruit"},
]  # fmt: skip
TARGET_SHARE = 0.5  # of the lower ceiling
TARGET_P99_MS = 50.0  # at 16 clients


@dataclass(frozen=True)
class Load:
    """One wrk or pgbench run."""

    rate: float  # requests (or transactions) per second
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


@dataclass(frozen=True)
class Row:
    clients: int
    jifen: list[Load]
    bare: list[Load]
    pgbench: list[Load]
    own_sql: list[Load]
    group_sql: list[Load]  # transactions of GROUP orders each


def section(cluster: Cluster, runs: int, command: str) -> list[str]:
    wrk = shutil.which("wrk")
    pgbench = cluster.bindir / "pgbench"
    if wrk is None:
        raise SystemExit("the HTTP benchmark needs wrk: apt-get install wrk")
    url = _database(cluster)
    key, first, last = _populate(url)
    copy_database(cluster, DATABASE, PGBENCH_DATABASE)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lone, group = order_sql.scripts(cluster.url(PGBENCH_DATABASE), work, LINES, PAID)
        with real_and_bare(url, work, lambda base: _answers(base, key)) as (served, bare):
            real = served.base
            for base in (real, bare):  # warm both: imports, pools, caches
                _wrk(wrk, base, "orders.lua", 16, 2, key, "warm")
            rows = [Row(n, [], [], [], [], []) for n in CLIENTS]
            for run in range(runs):
                for row in rows:
                    n = row.clients
                    row.jifen.append(_wrk(wrk, real, "orders.lua", n, SECONDS, key, f"r{run}"))
                    row.bare.append(_wrk(wrk, bare, "orders.lua", n, SECONDS, key, f"b{run}"))
                    row.pgbench.append(_pgbench(pgbench, cluster, work, n, first, last))
                    row.own_sql.append(_own_sql(pgbench, cluster, work, n, lone))
                    row.group_sql.append(_own_sql(pgbench, cluster, work, n, group))
            reads = {
                name: [
                    (
                        _under_load(wrk, real, key, suffix, run),
                        _under_load(wrk, bare, key, suffix, run),
                    )
                    for run in range(runs)
                ]
                for name, suffix in (("balance", "-"), ("history", "/entries"))
            }
            areas = _profile(wrk, served, key)
    problems = verify(url)
    inside = _in_process(url)
    return _render(rows, reads, runs, command, problems, inside, areas)


def _database(cluster: Cluster) -> str:
    return database(cluster, DATABASE)


def database(cluster: Cluster, name: str) -> str:
    """A new, empty database on the cluster; its URL."""
    admin = bootstrap(Settings(database_url=cluster.url()))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.close()
    return cluster.url(name)


def copy_database(cluster: Cluster, source: str, name: str) -> None:
    """``name``, a new copy of ``source`` (which nothing may be connected to)."""
    admin = bootstrap(Settings(database_url=cluster.url()))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {source}"))
    admin.close()


def _populate(url: str) -> tuple[str, int, int]:
    jf = bootstrap(Settings(database_url=url))
    jf.migrate()
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, source, "fresh-market", actor="bench"
    )
    for n in range(MEMBERS):
        ext = f"B{n:05d}"
        members.create_member(jf.uow(), jf.clock, program, CreateMember(ext), f"join-{ext}")
    scopes = ["ledger:write", "ledger:read", "members:read"]
    key = apikeys.create_key(jf.uow(), jf.clock, program, "bench", scopes, "bench")
    with jf.engine.connect() as conn:
        first, last = conn.execute(text("SELECT MIN(id), MAX(id) FROM members")).one()
    jf.close()
    return key, int(first), int(last)


@dataclass(frozen=True)
class Served:
    base: str  # the server's URL
    pid: int  # uvicorn's main process; the workers are its children


@contextmanager
def server(url: str, app: str, extra: dict[str, str]) -> Iterator[Served]:
    """uvicorn with ``jifen serve``'s settings, on a free port."""
    port = free_port()
    env = {
        **os.environ,
        **extra,
        "JIFEN_DATABASE_URL": url,
        "JIFEN_ENVIRONMENT": "development",
        "JIFEN_DB_POOL_SIZE": "20",
        "PYTHONPATH": str(ROOT),
    }
    args = [
        sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(WORKERS), "--no-access-log", "--log-level",
        "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(args, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"{app} did not start")
            time.sleep(0.2)
        yield Served(base, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def real_and_bare(
    url: str, work: Path, answers: Callable[[str], dict[str, object]]
) -> Iterator[tuple[Served, str]]:
    """jifen's server, then the bare endpoint answering what ``answers(base)`` got from it."""
    with server(url, "jifen.entrypoints.api.app:create_app", {}) as served:
        path = work / "answers.json"
        path.write_text(json.dumps(answers(served.base)), encoding="utf-8")
        bare_env = {"JIFEN_BENCH_BARE_ANSWERS": str(path)}
        with server(url, "bench.over_http.bare_app:create_app", bare_env) as bare:
            yield served, bare.base


def _answers(base: str, key: str) -> dict[str, object]:
    """The real answers, for the bare endpoint to send the same sizes back."""
    headers = {"Authorization": f"Bearer {key}"}
    body = {"order_id": "sample", "member": "B00001", "paid": PAID, "store": "3", "lines": LINES}
    order = httpx.post(f"{base}/v1/orders", json=body, headers=headers, timeout=10)
    member = httpx.get(f"{base}/v1/members/B00001", headers=headers, timeout=10)
    entries = httpx.get(f"{base}/v1/members/B00001/entries", headers=headers, timeout=10)
    for answer in (order, member, entries):
        answer.raise_for_status()
    return {"order": order.json(), "member": member.json(), "entries": entries.json()}


def _wrk(
    wrk: str, base: str, script: str, clients: int, seconds: float, key: str, tag: str,
    extra: str = "",
) -> Load:  # fmt: skip
    r = wrk_report(
        wrk,
        base,
        script,
        clients,
        seconds,
        [key, str(MEMBERS), extra or f"{tag}-{clients}-{time.monotonic_ns()}"],
    )
    return Load(
        r["requests"] / (r["duration_us"] / 1e6),
        r["p50_us"] / 1000,
        r["p99_us"] / 1000,
        r["socket_errors"] + r["bad_status"],
        r["requests"],
    )


def wrk_report(
    wrk: str, base: str, script: str, clients: int, seconds: float, args: list[str]
) -> dict[str, Any]:
    """One wrk run of ``script`` (in this folder) with ``args`` after ``--``: its JSON report."""
    command = [
        wrk, f"-t{min(clients, 2)}", f"-c{clients}", f"-d{round(seconds)}s", "--timeout", "10s",
        "-s", str(HERE / script), base, "--", *args,
    ]  # fmt: skip
    env = {**os.environ, "JIFEN_BENCH_LUA_DIR": str(HERE)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"^\{.*\}$", done.stdout, re.MULTILINE)
    if found is None:
        raise SystemExit(f"wrk gave no report:\n{done.stdout}\n{done.stderr}")
    report: dict[str, Any] = json.loads(found.group(0))
    return report


def _under_load(wrk: str, base: str, key: str, suffix: str, run: int) -> Load:
    """Reads at 16 connections while orders are posted at 16 more."""
    background = threading.Thread(
        target=_wrk,
        args=(wrk, base, "orders.lua", 16, SECONDS + 1, key, f"load{run}{suffix}"),
    )
    background.start()
    time.sleep(0.5)
    try:
        return _wrk(wrk, base, "reads.lua", 16, SECONDS, key, "", extra=suffix)
    finally:
        background.join()


def _profile(wrk: str, served: Served, key: str) -> Counter[str]:
    """py-spy on the server's workers while orders are posted at 16 connections."""
    background = threading.Thread(
        target=_wrk, args=(wrk, served.base, "orders.lua", 16, SECONDS, key, "profile")
    )
    background.start()
    time.sleep(1)
    try:
        return profile.record_pid(served.pid, SECONDS - 2)
    finally:
        background.join()


def _pgbench(
    pgbench: Path, cluster: Cluster, work: Path, clients: int, first: int, last: int
) -> Load:
    defines = {"first": first, "last": last, "program": 1}
    return pgbench_run(pgbench, cluster, work, clients, "earn.pgbench", PGBENCH_DATABASE, defines)


def _own_sql(
    pgbench: Path, cluster: Cluster, work: Path, clients: int, script: order_sql.Script
) -> Load:
    defines = {"program": 1, **script.defines}
    return pgbench_run(
        pgbench, cluster, work, clients, script.path, PGBENCH_DATABASE, defines, "prepared"
    )


def pgbench_run(
    pgbench: Path,
    cluster: Cluster,
    work: Path,
    clients: int,
    script: str | Path,
    database: str,
    defines: dict[str, object],
    protocol: str = "simple",
) -> Load:
    """pgbench running ``script`` (a path, or a name in this folder) for SECONDS, with
    the query ``protocol`` (``prepared`` for pipelines); latencies from its log."""
    logs = work / f"pgbench-{clients}-{time.monotonic_ns()}"
    logs.mkdir()
    os.chmod(logs, 0o777)  # the cluster may run as postgres; pgbench runs as us
    variables = [arg for name, value in defines.items() for arg in ("-D", f"{name}={value}")]
    args = [
        str(pgbench), "-n", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
        "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(int(SECONDS)),
        "-M", protocol, "-f", str(HERE / script), *variables, "-l", "--log-prefix",
        str(logs / "tx"), database,
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=work)
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{done.stdout}\n{done.stderr}")
    tps = float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    latencies = sorted(
        int(line.split()[2]) for f in logs.iterdir() for line in f.read_text().splitlines()
    )
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    return Load(
        tps,
        percentile(latencies, 50) / 1000,
        percentile(latencies, 99) / 1000,
        int(failed.group(1)) if failed else 0,
        len(latencies),
    )


def _in_process(url: str, count: int = 300) -> tuple[float, float, float]:
    """Milliseconds of wall time and of CPU, and round trips to PostgreSQL, per lone order
    through the server's writer (a batch of one), one at a time, with no HTTP: where an
    order's time goes when the target is missed. Round trips are counted in libpq's own
    trace: each Sync or simple Query the client sends is one wait for the server."""
    jf = bootstrap(Settings(database_url=url))
    program = programs.find_program(jf.uow(write=False))
    lines = tuple(
        LineIn(x["sku"], x["quantity"], x["unit_price"], x["category"], tuple(x.get("tags", ())))
        for x in LINES
    )

    def one(i: int) -> None:
        order = PlaceOrder(f"inproc-{i}", f"B{i % MEMBERS:05d}", PAID, lines, store="3")
        jf.orders.submit(program, order).result(30)

    one(-1)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        one(i)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with tempfile.TemporaryFile("w+") as trace:
        traced: list[Any] = []

        def _trace(dbapi: Any, *_: object) -> None:
            dbapi.pgconn.trace(trace.fileno())
            dbapi.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            traced.append(dbapi)

        event.listen(jf.engine, "checkout", _trace)
        try:
            for i in range(count, count + 20):
                one(i)
        finally:
            event.remove(jf.engine, "checkout", _trace)
            for dbapi in traced:
                dbapi.pgconn.untrace()
        trace.seek(0)
        waits = sum(
            1
            for line in trace.read().splitlines()
            if line.startswith("F\t") and line.split("\t")[2] in ("Sync", "Query")
        )
    jf.close()
    return seconds / count * 1000, cpu / count * 1000, waits / 20


def percentile(values: list[int], p: float) -> float:
    return float(values[min(len(values) - 1, int(len(values) * p / 100))]) if values else 0.0


def verify(url: str) -> list[str]:
    jf = bootstrap(Settings(database_url=url))
    try:
        report = verification.verify(jf.uow, jf.rulebooks)
    finally:
        jf.close()
    return [] if report["ok"] else [f"verify: {report['problems']}"]


def med(loads: list[Load], attr: str) -> float:
    return statistics.median(getattr(x, attr) for x in loads)


def _render(
    rows: list[Row],
    reads: dict[str, list[tuple[Load, Load]]],
    runs: int,
    command: str,
    problems: list[str],
    inside: tuple[float, float, float],
    areas: Counter[str],
) -> list[str]:
    lines = [
        "## Earning over HTTP",
        "",
        f"`POST /v1/orders` with a five-line order, each request a new order id, on PostgreSQL "
        f"(durable commits), served by uvicorn with {WORKERS} workers; wrk on loopback, "
        f"{SECONDS:.0f} s per run, median of {runs} runs (min-max). Ceilings in the same run, "
        "interleaved run by run: the bare endpoint (same FastAPI, model and uvicorn settings, "
        "no database, an answer of the same size) and pgbench running the bare earn "
        "transaction (insert entry, insert lot, update balance) on the same database with "
        "the same number of clients. Ratio = jifen / the lower ceiling. Target: at least "
        f"{TARGET_SHARE:.0%} of the lower ceiling, p99 under {TARGET_P99_MS:.0f} ms at 16 "
        "clients, no errors.",
        "",
        "| clients | jifen req/s | p50 ms | p99 ms | errors | bare endpoint req/s (p99 ms) "
        "| pgbench earn tx/s (p99 ms) | ratio to lower ceiling | target met "
        "| pgbench, the order's own SQL tx/s (p99 ms) | jifen / own SQL "
        f"| pgbench, {order_sql.GROUP} orders a transaction: orders/s (p99 ms) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for row in rows:
        j, b, g = row.jifen, row.bare, row.pgbench
        rate, bare, pg = med(j, "rate"), med(b, "rate"), med(g, "rate")
        lower = min(bare, pg)
        errors = sum(x.errors for x in j)
        p99 = med(j, "p99_ms")
        met = rate >= TARGET_SHARE * lower and errors == 0
        if row.clients == 16:
            met = met and p99 < TARGET_P99_MS
        verdicts.append((row.clients, met, rate / lower, p99))
        noisy = " (noisy)" if spread(j) > 0.25 else ""
        lines.append(
            f"| {row.clients} | {rate:,.0f} ({min(x.rate for x in j):,.0f}-"
            f"{max(x.rate for x in j):,.0f}){noisy} | {med(j, 'p50_ms'):.1f} | {p99:.1f} "
            f"| {errors} | {bare:,.0f} ({med(b, 'p99_ms'):.1f}) | {pg:,.0f} "
            f"({med(g, 'p99_ms'):.1f}) | {rate / lower:.2f} "
            f"({'bare endpoint' if bare < pg else 'pgbench'}) | {'yes' if met else 'no'} "
            f"| {med(row.own_sql, 'rate'):,.0f} ({med(row.own_sql, 'p99_ms'):.1f}) "
            f"| {rate / med(row.own_sql, 'rate'):.2f} "
            f"| {med(row.group_sql, 'rate') * order_sql.GROUP:,.0f} "
            f"({med(row.group_sql, 'p99_ms'):.1f}) |"
        )
    lines += [
        "",
        "## Reads under load",
        "",
        "A member's balance (`GET /v1/members/{id}`) and the first page of their history "
        "(`GET /v1/members/{id}/entries`) at 16 connections, while 16 more post orders; "
        "beside the bare endpoint under the same load. Median of the runs' p50 and p99.",
        "",
        "| read | jifen req/s | p50 ms | p99 ms | errors | bare endpoint req/s | bare p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, pairs in reads.items():
        mine, bare = [p[0] for p in pairs], [p[1] for p in pairs]
        lines.append(
            f"| {name} | {med(mine, 'rate'):,.0f} | {med(mine, 'p50_ms'):.1f} "
            f"| {med(mine, 'p99_ms'):.1f} | {sum(x.errors for x in mine)} "
            f"| {med(bare, 'rate'):,.0f} | {med(bare, 'p99_ms'):.1f} |"
        )
    lines += ["", *[f"- {p}" for p in problems]]
    missed = [v for v in verdicts if not v[1]]
    if missed:
        lines.append(
            "- Target missed at "
            + ", ".join(
                f"{c} clients ({r:.2f} of the lower ceiling, p99 {p:.0f} ms)"
                for c, _, r, p in missed
            )
            + "."
        )
        pg1 = next(r for r in rows if r.clients == 1)
        own = ", ".join(
            f"{med(r.own_sql, 'rate') / med(r.pgbench, 'rate'):.2f} at {r.clients}" for r in rows
        )
        grouped = ", ".join(
            f"{med(r.group_sql, 'rate') * order_sql.GROUP / med(r.pgbench, 'rate'):.2f} "
            f"at {r.clients}"
            for r in rows
        )
        lines.append(
            f"- Where an order's time goes: through the server's writer alone, one at a time "
            f"with no HTTP, a lone order takes {inside[0]:.1f} ms, {inside[1]:.1f} ms of it "
            f"the process's CPU, and {inside[2]:.0f} round trips to PostgreSQL. pgbench "
            "sending the same two statements in the same two pipelines with no Python "
            f"takes {med(pg1.own_sql, 'p50_ms'):.1f} ms (p50, 1 client); its bare earn takes "
            f"{med(pg1.pgbench, 'p50_ms'):.1f} ms. PostgreSQL alone, running a lone order's "
            f"own SQL, reaches {own} clients of the bare earn's rate; running "
            f"{order_sql.GROUP} orders a transaction, {grouped} (in orders; the scripts "
            "rebuild each transaction's ids inside the write, a little more work for "
            "PostgreSQL than jifen's own write, so these are floors). What is left to "
            "jifen is the distance to its own SQL (the last columns): the Python around "
            "each order, and HTTP."
        )
        lines.append(
            "- What the server's Python does meanwhile (py-spy on uvicorn's workers while "
            "orders are posted at 16 connections; samples of the thread holding the GIL, by "
            "the innermost area): "
            f"{profile.shares(areas)}."
        )
    lines += [
        "",
        f"Reproduce: `{command}` (needs Debian's `wrk`; `JIFEN_BENCH_HTTP_SECONDS` and "
        "`JIFEN_BENCH_HTTP_WORKERS` change the run).",
        "",
    ]
    return lines


def spread(loads: list[Load]) -> float:
    rates = [x.rate for x in loads]
    return (max(rates) - min(rates)) / statistics.median(rates)

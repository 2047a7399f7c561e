"""Redemption contention: a flash sale at 64 clients over HTTP, on PostgreSQL.

A reward of ``STOCK`` units, one per member (a lifetime limit of 1), opens to
64 connections at once: wrk (``flash.lua``) posts ``POST /v1/redemptions``, each
request by the next member under its own Idempotency-Key, for the whole run, so
the sale sells out and the rest of the run is members being told so. Every run
has a reward of its own, in the published programme from the start.

After each run the sale is read back from the database: its completed
redemptions (how many, by how many members, the first and the last), and the
reward's stock row. Oversold is the redemptions beyond the stock; the stock row
must count exactly the redemptions; every 201 wrk saw must be one of them; any
answer that is neither a claim nor "out of stock" is an error. ``jifen verify``
runs on the database at the end.

Claims/s is the sale's own rate: its redemptions over the time from the first
to the last (each stamped when its request began). Ceilings in the same run,
interleaved run by run:

- the **bare endpoint** (``bare_app.py``): the same FastAPI and uvicorn settings,
  parsing the same ``RedemptionIn`` and answering a JSON of the real answer's size;
- **pgbench** running ``claim.pgbench`` with 64 clients on a copy of the same
  database: a claim at its barest (debit the member, record the debit, take one
  from the stock with the same guarded ``UPDATE``, record the redemption) against a
  reward whose stock does not run out in the run, so every transaction is a claim
  meeting all the others on the one stock row.

``python -m bench.over_http.flash_sale`` runs this section alone on a cluster
of its own.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import yaml
from sqlalchemy import text
from tests.pg import Cluster, start_cluster

from bench.over_http import (
    ROOT,
    SECONDS,
    WORKERS,
    Load,
    database,
    med,
    pgbench_run,
    real_and_bare,
    verify,
    wrk_report,
)
from jifen.adapters.programfile.editing import YamlProgramEditor
from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.services import imports, programs
from jifen.services.access import apikeys

DATABASE = "flash_bench"
CEILING_DATABASE = "flash_ceiling"
CLIENTS = 64
MEMBERS = 6_000
STOCK = int(os.environ.get("JIFEN_BENCH_FLASH_STOCK", "1000"))
POINTS = 100  # the reward's price
BALANCE = 20_000  # each member's opening balance: enough for every run and the ceiling's
WRK_THREADS = 2


@dataclass(frozen=True)
class Sale:
    """One run's sale, as the database tells it afterwards."""

    claims: int  # completed redemptions of the run's reward
    members: int  # distinct members among them
    seconds: float  # from the first claim to the last
    taken: int  # the stock row's count
    total: int  # the stock row's total
    answered: dict[str, int]  # wrk's sorting of the answers: created, sold_out, other

    @property
    def rate(self) -> float:
        return self.claims / self.seconds if self.seconds > 0 else 0.0

    @property
    def oversold(self) -> int:
        return max(0, self.claims - STOCK)

    def problems(self, run: int) -> list[str]:
        found = []
        if self.taken != self.claims:
            found.append(f"run {run}: the stock row counts {self.taken}, redemptions {self.claims}")
        if self.members != self.claims:
            found.append(f"run {run}: {self.claims} claims by only {self.members} members")
        unanswered = self.claims - self.answered["created"]
        if self.claims < STOCK and 0 < unanswered <= CLIENTS:
            # still selling when wrk stopped: the requests in flight then were recorded,
            # and their answers came after wrk had stopped counting
            found.append(
                f"run {run}: {self.claims} claims, {self.answered['created']} of them answered "
                f"201 within the run; the sale was still selling when wrk stopped, and "
                f"{unanswered} requests were in flight then"
            )
        elif unanswered:
            found.append(f"run {run}: {self.answered['created']} answers 201, {self.claims} claims")
        if self.total != STOCK:
            found.append(f"run {run}: the stock row's total is {self.total}, not {STOCK}")
        return found


@dataclass(frozen=True)
class Run:
    sale: Sale
    jifen: Load  # every request of the run: claims and refusals
    bare: Load
    pgbench: Load


def section(cluster: Cluster, runs: int, command: str) -> list[str]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("the flash-sale benchmark needs wrk: apt-get install wrk")
    url = database(cluster, DATABASE)
    key, first, last = _populate(url, runs)
    _ceiling_copy(cluster)
    defines: dict[str, object] = {
        "first": first, "last": last, "program": 1, "points": POINTS
    }  # fmt: skip
    done: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with real_and_bare(url, work, lambda base: _answers(base, key)) as (served, bare):
            real = served.base
            for base in (real, bare):  # warm both on a reward of their own
                _claims(wrk, base, key, "flash-warm", 16, 2, "warm")
            for run in range(runs):
                reward = f"flash-{run}"
                mine = _claims(wrk, real, key, reward, CLIENTS, SECONDS, f"r{run}")
                theirs = _claims(wrk, bare, key, reward, CLIENTS, SECONDS, f"b{run}")
                pg = pgbench_run(
                    cluster.bindir / "pgbench", cluster, work, CLIENTS, "claim.pgbench",
                    CEILING_DATABASE, defines,
                )  # fmt: skip
                sale = _sale(url, reward, mine[1])
                done.append(Run(sale, mine[0], theirs[0], pg))
    problems = [p for i, r in enumerate(done) for p in r.sale.problems(i)] + verify(url)
    return _render(done, command, problems)


def _populate(url: str, runs: int) -> tuple[str, int, int]:
    """The fresh-market programme with a flash-sale reward per run; MEMBERS members,
    each joined by an opening balance of BALANCE points (``jifen import balances``)."""
    jf = bootstrap(Settings(database_url=url))
    jf.migrate()
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    tz = ZoneInfo(yaml.safe_load(source)["program"]["timezone"])
    opens = (datetime.now(UTC) - timedelta(minutes=1)).astimezone(tz)
    editor = YamlProgramEditor()
    source = editor.put_reward(source, _reward("flash-warm", None, None))
    for run in range(runs):
        source = editor.put_reward(source, _reward(f"flash-{run}", STOCK, opens))
    program, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, source, "fresh-market", actor="bench"
    )
    rows = [
        (n + 1, {"member": f"F{n:05d}", "points": BALANCE, "reference": "flash-bench"})
        for n in range(MEMBERS)
    ]
    summary = imports.import_balances(jf.uow, jf.clock, jf.rulebooks, program, rows)
    if summary.imported != MEMBERS:
        raise SystemExit(f"the flash sale's members were not all credited: {summary}")
    key = apikeys.create_key(
        jf.uow(), jf.clock, program, "bench", ["ledger:write", "ledger:read"], "bench"
    )
    with jf.engine.connect() as conn:
        first, last = conn.execute(text("SELECT MIN(id), MAX(id) FROM members")).one()
    jf.close()
    return key, int(first), int(last)


def _reward(code: str, stock: int | None, opens: datetime | None) -> dict[str, Any]:
    reward: dict[str, Any] = {
        "code": code,
        "kind": "goods",
        "name": {"zh-CN": "秒杀: 一盒鸡蛋", "en": "Flash sale: a box of eggs"},
        "points": POINTS,
        "cost": "8.00",
        "category": "groceries",
    }
    if stock is not None:
        reward["stock"] = stock
        reward["limits"] = [{"per": "lifetime", "max_times": 1}]
    if opens is not None:
        reward["starts"] = opens.replace(tzinfo=None, microsecond=0).isoformat()
    return reward


def _ceiling_copy(cluster: Cluster) -> None:
    """The database, copied for pgbench, with a reward whose stock the run cannot exhaust."""
    admin = bootstrap(Settings(database_url=cluster.url()))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {CEILING_DATABASE}"))
        conn.execute(text(f"CREATE DATABASE {CEILING_DATABASE} TEMPLATE {DATABASE}"))
    admin.close()
    copy = bootstrap(Settings(database_url=cluster.url(CEILING_DATABASE)))
    with copy.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO reward_stock (program_id, reward, declared, total, taken, updated_at)"
                " VALUES (1, 'ceiling', 1000000000, 1000000000, 0, now())"
            )
        )
    copy.close()


def _answers(base: str, key: str) -> dict[str, object]:
    """A real claim's answer, for the bare endpoint to send the same size back."""
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "bench-sample"}
    body = {"member": f"F{MEMBERS - 1:05d}", "reward": "flash-warm"}
    answer = httpx.post(f"{base}/v1/redemptions", json=body, headers=headers, timeout=10)
    answer.raise_for_status()
    return {"redemption": answer.json()}


def _claims(
    wrk: str, base: str, key: str, reward: str, clients: int, seconds: float, tag: str
) -> tuple[Load, dict[str, int]]:
    prefix = f"{tag}-{time.monotonic_ns()}"
    args = [key, str(MEMBERS), prefix, reward, str(WRK_THREADS)]
    r = wrk_report(wrk, base, "flash.lua", clients, seconds, args)
    answered = {name: int(r[name]) for name in ("created", "sold_out", "other")}
    load = Load(
        r["requests"] / (r["duration_us"] / 1e6),
        r["p50_us"] / 1000,
        r["p99_us"] / 1000,
        r["socket_errors"] + answered["other"],
        r["requests"],
    )
    return load, answered


def _sale(url: str, reward: str, answered: dict[str, int]) -> Sale:
    jf = bootstrap(Settings(database_url=url))
    with jf.engine.connect() as conn:
        claims, members, first, last = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT member_id), min(created_at), max(created_at)"
                " FROM redemptions WHERE reward = :r AND status = 'completed'"
            ),
            {"r": reward},
        ).one()
        stock = conn.execute(
            text("SELECT total, taken FROM reward_stock WHERE reward = :r"), {"r": reward}
        ).one_or_none()
    jf.close()
    seconds = (last - first).total_seconds() if claims > 1 else 0.0
    total, taken = stock if stock is not None else (0, 0)
    return Sale(int(claims), int(members), seconds, int(taken), int(total or 0), answered)


def _render(done: list[Run], command: str, problems: list[str]) -> list[str]:
    sales = [r.sale for r in done]
    rates = [s.rate for s in sales]
    rate = statistics.median(rates)
    jifen, bare, pg = [r.jifen for r in done], [r.bare for r in done], [r.pgbench for r in done]
    lower = min(med(bare, "rate"), med(pg, "rate"))
    which = "bare endpoint" if med(bare, "rate") < med(pg, "rate") else "pgbench"
    errors = sum(x.errors for x in jifen)
    oversold = sum(s.oversold for s in sales)
    refused = [s.answered["sold_out"] for s in sales]
    sold_out = all(s.claims == STOCK for s in sales)
    noisy = " (noisy)" if (max(rates) - min(rates)) / rate > 0.25 else ""
    met = oversold == 0 and errors == 0 and not problems
    return [
        "## Redemption contention: a flash sale",
        "",
        f"A reward of {STOCK} units, one per member, opens to {CLIENTS} connections at once: "
        f"wrk posts `POST /v1/redemptions`, each request by the next member, for {SECONDS:.0f} s, "
        f"so the sale sells out and the rest of the run is refusals (`reward_out_of_stock`). "
        f"PostgreSQL (durable commits), uvicorn with {WORKERS} workers, median of {len(done)} "
        "runs (min-max), each run on a reward of its own. Claims/s is the sale's rate: its "
        "redemptions over the time from the first to the last, read from the database. "
        "Requests/s, p50 and p99 cover every request of the run, claims and refusals. "
        "Ceilings in the same run, interleaved: the bare endpoint (same FastAPI, model and "
        "uvicorn settings, no database, an answer of the same size) and pgbench running the "
        "bare claim (debit the member, record the debit, the same guarded stock `UPDATE`, "
        f"record the redemption) with {CLIENTS} clients on a copy of the database, against a "
        "stock that does not run out, so every transaction is a claim on the one stock row. "
        "Ratio = claims/s / the lower ceiling. Target: oversold 0, no errors.",
        "",
        "| clients | claims/s | sold out | requests/s | p50 ms | p99 ms | errors | oversold "
        "| bare endpoint req/s (p99 ms) | pgbench claim tx/s (p99 ms) | ratio to lower ceiling "
        "| target met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {CLIENTS} | {rate:,.0f} ({min(rates):,.0f}-{max(rates):,.0f}){noisy} "
        f"| {'yes' if sold_out else 'no'}, in {statistics.median(s.seconds for s in sales):.1f} s "
        f"| {med(jifen, 'rate'):,.0f} | {med(jifen, 'p50_ms'):.1f} | {med(jifen, 'p99_ms'):.1f} "
        f"| {errors} | {oversold} | {med(bare, 'rate'):,.0f} ({med(bare, 'p99_ms'):.1f}) "
        f"| {med(pg, 'rate'):,.0f} ({med(pg, 'p99_ms'):.1f}) | {rate / lower:.2f} ({which}) "
        f"| {'yes' if met else 'no'} |",
        "",
        f"- Each run: {', '.join(str(s.claims) for s in sales)} claims of {STOCK} "
        f"by as many members; the stock rows count {', '.join(str(s.taken) for s in sales)}; "
        f"refused as sold out: {', '.join(f'{n:,}' for n in refused)}.",
        *[f"- {p}" for p in problems],
        "- `jifen verify` on the database after the runs: "
        + ("ok." if not any(p.startswith("verify") for p in problems) else "see above."),
        "",
        f"Reproduce: `{command}`, or this section alone: `python -m bench.over_http.flash_sale` "
        "(`JIFEN_BENCH_FLASH_STOCK` sets the stock).",
        "",
    ]


def main() -> None:
    runs = int(os.environ.get("JIFEN_BENCH_RUNS", "3"))
    cluster = start_cluster(durable=True)
    try:
        print("\n".join(section(cluster, runs, "make bench")))
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

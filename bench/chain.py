"""The cost of the hash chain on an order: the same orders, chained and with hashing stubbed.

Each run records the same five-line orders through the services (rules, idempotency key,
outbox, ledger) on a fresh database: once as shipped, once with ``entry_hash`` replaced
by a constant, so the only difference is computing SHA-256 over each entry's encoding
(the head is still read, carried and written: it costs no extra round trip either way).
Also the microseconds of one ``entry_hash`` of an order's entry, in process.

``python -m bench.chain`` runs a small smoke sample on SQLite and prints the section.
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.harness import Figure, rate
from bench.market import fresh_market
from jifen.adapters.db.ledger import chain as chain_adapter
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.ledger.chain import ChainedEntry, ChainedLot, entry_hash
from jifen.services import earning
from jifen.services.earning.commands import LineIn, PlaceOrder

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = 100
LINES = (
    LineIn("oil-5l", 1, "89.00", "grocery", ("new",)),
    LineIn("rice-10kg", 2, "59.50", "grocery", ()),
    LineIn("apples", 3, "12.00", "fresh", ()),
    LineIn("milk", 4, "6.50", "dairy", ()),
    LineIn("bread", 1, "9.90", "bakery", ()),
)
PAID = "279.90"  # the lines after their discounts: an order must agree with them
_runs = itertools.count()


def _fresh(url: str) -> tuple[Jifen, object, list[str]]:
    return fresh_market(url, "H", MEMBERS)


def _orders(jf: Jifen, program: object, ids: list[str], count: int) -> float:
    run = next(_runs)
    base = datetime.now(UTC) - timedelta(days=1)

    def order(i: int) -> None:
        cmd = PlaceOrder(
            f"h-{run}-{i}", ids[i % len(ids)], PAID, LINES, placed_at=base + timedelta(seconds=i)
        )
        earning.record_order(jf.uow(), jf.clock, jf.rulebooks, program, cmd)  # type: ignore[arg-type]

    return rate(count, order)


@contextmanager
def _unhashed() -> Iterator[None]:
    real = chain_adapter.entry_hash
    chain_adapter.entry_hash = lambda prev, entry: "0" * 64  # type: ignore[assignment]
    try:
        yield
    finally:
        chain_adapter.entry_hash = real  # type: ignore[assignment]


def orders_figure(make_url: Callable[[int], str], label: str, runs: int, count: int) -> Figure:
    chained, unhashed = [], []
    for run in range(runs):
        for stub, into in ((False, chained), (True, unhashed)):
            jf, program, ids = _fresh(make_url(2 * run + int(stub)))
            try:
                if stub:
                    with _unhashed():
                        into.append(_orders(jf, program, ids, count))
                else:
                    into.append(_orders(jf, program, ids, count))
            finally:
                jf.close()
    return Figure(
        f"orders with the hash chain, {label}, 1 client",
        "orders/s",
        chained,
        f"the same orders, hashing stubbed ({label})",
        unhashed,
        "make bench",
    )


def hash_us(runs: int, n: int = 20_000) -> list[float]:
    at = datetime.now(UTC)
    lot = ChainedLot(300, 0, at, at + timedelta(days=365), "order", "h-1", "base", None, at)
    entry = ChainedEntry(7, "earn", 900, 900, 0, 0, "h-1", None, at, (lot, lot, lot), ())
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(n):
            entry_hash("a" * 64, entry)
        out.append((time.perf_counter() - start) / n * 1e6)
    return out


def render(figure: Figure, per_hash: list[float], runs: int, count: int) -> list[str]:
    return [
        "## The hash chain on an order",
        "",
        f"The same {count} five-line orders through the services, median of {runs} runs "
        "(min-max), each run on a fresh database: as shipped, beside the same orders with "
        "`entry_hash` stubbed to a constant (the ceiling: everything but SHA-256 over each "
        "entry's encoding; the chain head costs no extra statement). Ratio = chained / "
        "stubbed. One `entry_hash` of an order's entry with three lots costs "
        f"{statistics.median(per_hash):.1f} µs ({min(per_hash):.1f}-{max(per_hash):.1f}).",
        "",
        "| figure | median | min-max | ceiling | ceiling median | ratio |",
        "|---|---|---|---|---|---|",
        f"| {figure.name} | {figure.median:,.0f} {figure.unit} "
        f"| {min(figure.runs):,.0f}-{max(figure.runs):,.0f} | {figure.ceiling_name} "
        f"| {figure.ceiling:,.0f}/s | {figure.ratio:.2f} |",
        "",
    ]


def section(cluster: object, runs: int, count: int) -> list[str]:
    """On the bench's PostgreSQL cluster: a database per run."""
    admin = cluster.url()  # type: ignore[attr-defined]

    def make_url(n: int) -> str:
        name = f"bench_chain_{n}"
        probe = bootstrap(Settings(database_url=admin))
        with probe.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        probe.close()
        return str(cluster.url(name))  # type: ignore[attr-defined]

    figure = orders_figure(make_url, "PostgreSQL", runs, count)
    return render(figure, hash_us(runs), runs, count)


def smoke() -> None:
    runs = int(os.environ.get("JIFEN_BENCH_RUNS", "1"))
    count = int(os.environ.get("JIFEN_BENCH_COUNT", "200"))
    with tempfile.TemporaryDirectory() as tmp:
        figure = orders_figure(lambda n: f"sqlite:///{tmp}/chain-{n}.db", "SQLite", runs, count)
    print("\n".join(render(figure, hash_us(runs), runs, count)), file=sys.stderr)


if __name__ == "__main__":
    smoke()

"""Challenges and leaderboards: what they add to an order, and a board at 1,000,000 members.

- **On an order.** The same five-line orders through the services on two fresh PostgreSQL
  databases side by side: the fresh market as shipped (each order moves three challenges,
  a 500-yuan December goal among them, and the month's points board), beside the same
  programme without its ``challenges``, ``badges`` and ``leaderboards`` (the ceiling).
  Each member places four orders, as a member of the market might in a month: the second
  reaches the 500-yuan goal and is paid for it (one order in four completes a challenge),
  and the members change tier alike on both databases, so both evaluate the same rules.
  The orders go in blocks, alternating between the two databases (which goes first
  alternates too), so that a slow moment of the disk falls on both alike; each block's
  time with engagement is compared with its pair's.
  Extra cost = the median of those paired ratios - 1. Target: under 10%.
- **A board at 1,000,000 members.** One month's points board with a score for each of a
  million members (exponentially spread, as points are) and its counts. The top 10 and a
  random member's own rank, each read as jifen reads it (``SqlLeaderboards``), beside the
  ceiling of one indexed read of the same table (the member's own score row by its key),
  and beside ``count(*)`` of the scores above, the read the counts replace.

``python -m bench.engagement`` runs a small sample on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from tests.factories import FakeClock
from tests.pg import start_cluster

from bench.harness import Figure, rate
from bench.market import fresh_market
from jifen.adapters.db.leaderboards import SqlLeaderboards
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.services.earning.commands import LineIn, PlaceOrder

ROOT = Path(__file__).resolve().parents[1]
#: orders per member: the second reaches the 500-yuan goal (one order in four completes a
#: challenge, many more than a month of real orders would), the fourth reaches silver's
#: 1,000 yuan on both databases alike
PER_MEMBER = 4
#: blocks of orders per pair of databases, alternating between the two
BLOCKS = int(os.environ.get("JIFEN_BENCH_BLOCKS", "20"))
#: a vegetable (veg-four-weeks), a new product (try-three-new), 279.90 paid (december-500)
LINES = (
    LineIn("oil-5l", 1, "89.00", "grocery", ("new",)),
    LineIn("rice-10kg", 2, "59.50", "grocery", ()),
    LineIn("bok-choy", 3, "12.00", "vegetables", ()),
    LineIn("milk", 4, "6.50", "dairy", ()),
    LineIn("bread", 1, "9.90", "bakery", ()),
)
PAID = "279.90"
DECEMBER = datetime(2026, 12, 9, 4, 0, tzinfo=UTC)  # every challenge and board running
BOARD_MEMBERS = int(os.environ.get("JIFEN_BENCH_BOARD_MEMBERS", "1000000"))
PLACE = ("monthly-points", "month:2026-12", "")


def without_engagement(source: str) -> str:
    """The programme file without its challenges, badges and leaderboards sections."""
    return re.sub(r"(?ms)^(challenges|badges|leaderboards):\n.*?(?=^\S|\Z)", "", source)


def _fresh(url: str, bare: bool, members: int) -> tuple[Jifen, Any, list[str]]:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    return fresh_market(
        url, "E", members, clock=FakeClock(DECEMBER),
        source=without_engagement(source) if bare else None,
    )  # fmt: skip


def _block(jf: Jifen, program: Any, ids: list[str], first: int, count: int) -> float:
    """Orders ``first``...``first + count - 1``, ``PER_MEMBER`` to each member in turn;
    orders/s."""

    def order(i: int) -> None:  # as the API sends it: through the order lane's groups
        k = first + i
        cmd = PlaceOrder(f"e-{k}", ids[k // PER_MEMBER], PAID, LINES)
        jf.orders.submit(program, cmd).result(timeout=60)

    return rate(count, order)


def _server_cpu() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (Linux: /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            line = stat.read_text()
        except OSError:  # gone since listed
            continue
        name, rest = line[line.index("(") + 1 : line.rindex(")")], line[line.rindex(")") + 2 :]
        if name.startswith(("postgres", "postmaster")):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Paired:
    engaged: list[float]  # orders/s of each block
    bare: list[float]
    extra: list[float]  # each block's time with engagement / its pair's - 1
    #: CPU seconds per order, this process's and PostgreSQL's: with engagement, without
    cpu: list[list[float]] = field(default_factory=lambda: [[0.0, 0.0], [0.0, 0.0]])
    orders: int = 0  # on each side


def orders_figure(make_url: Callable[[int], str], runs: int, count: int) -> tuple[Figure, Paired]:
    """``runs`` pairs of fresh databases, ``count`` orders on each in ``BLOCKS`` blocks."""
    paired = Paired([], [], [])
    size = max(count // BLOCKS, 1)
    for run in range(runs):
        apps = [_fresh(make_url(2 * run + n), bool(n), -(-count // PER_MEMBER)) for n in (0, 1)]
        try:
            for b in range(BLOCKS):
                times = [0.0, 0.0]
                for n in (b % 2, 1 - b % 2):
                    jf, program, ids = apps[n]
                    client, server = time.process_time(), _server_cpu()
                    times[n] = _block(jf, program, ids, b * size, size)
                    paired.cpu[n][0] += time.process_time() - client
                    paired.cpu[n][1] += _server_cpu() - server
                paired.orders += size
                paired.engaged.append(times[0])
                paired.bare.append(times[1])
                paired.extra.append(times[1] / times[0] - 1)
            _check_moved(apps[0][0], apps[1][0])
        finally:
            for jf, _, _ in apps:
                jf.close()
    figure = Figure(
        "orders moving 3 challenges and a board, PostgreSQL, 1 client",
        "orders/s",
        paired.engaged,
        "the same orders, no challenges or boards",
        paired.bare,
        "make bench",
    )
    return figure, paired


def _check_moved(jf: Jifen, bare: Jifen) -> None:
    """The orders did move what the figure says they move, and the 500-yuan goal was paid,
    while the members' tiers stayed alike on both databases."""
    with jf.engine.connect() as conn:
        moved = conn.execute(
            text("SELECT COUNT(DISTINCT challenge_id) FROM challenge_progress")
        ).scalar_one()
        scored = conn.execute(text("SELECT COUNT(*) FROM leaderboard_scores")).scalar_one()
        paid = conn.execute(
            text("SELECT COUNT(*) FROM lots WHERE source = 'challenge'")
        ).scalar_one()
        tiers = conn.execute(text("SELECT tier, COUNT(*) FROM members GROUP BY tier")).all()
    with bare.engine.connect() as conn:
        bare_tiers = conn.execute(text("SELECT tier, COUNT(*) FROM members GROUP BY tier")).all()
    assert moved == 3, moved
    assert scored > 0, scored
    assert paid > 0, paid
    assert sorted(tiers) == sorted(bare_tiers), (tiers, bare_tiers)


def fill_board(jf: Jifen, program_id: int, n: int) -> None:
    """``n`` members, each with a score on one month's points board, and its counts."""
    board, period, scope = PLACE
    with jf.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO members (program_id, external_id, attributes, status, created_at,"
                " updated_at) SELECT :p, 'L' || lpad(g::text, 7, '0'), '{}', 'active', now(),"
                " now() FROM generate_series(1, :n) AS g"
            ),
            {"p": program_id, "n": n},
        )
        conn.execute(
            text(
                "INSERT INTO leaderboard_scores (member_id, board_id, period, scope_key,"
                " program_id, score, hidden, updated_at)"
                " SELECT id, :b, :pe, :s, :p, floor(-ln(1 - random()) * 300)::bigint, false,"
                " now() FROM members WHERE program_id = :p AND external_id LIKE 'L%'"
            ),
            {"p": program_id, "b": board, "pe": period, "s": scope},
        )
        for level, key in ((0, "score"), (1, "score / 256")):
            conn.execute(
                text(
                    "INSERT INTO leaderboard_counts (program_id, board_id, period, scope_key,"
                    f" level, key, n) SELECT program_id, board_id, period, scope_key, {level},"
                    f" {key}, count(*) FROM leaderboard_scores WHERE program_id = :p"
                    " AND board_id = :b AND period = :pe AND scope_key = :s"
                    f" GROUP BY program_id, board_id, period, scope_key, {key}"
                ),
                {"p": program_id, "b": board, "pe": period, "s": scope},
            )
    with jf.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE leaderboard_scores"))
        conn.execute(text("VACUUM ANALYZE leaderboard_counts"))


def _timed(calls: list[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def board_reads(jf: Jifen, program_id: int, samples: int) -> dict[str, list[float]]:
    """Milliseconds of each read, ``samples`` times, on one connection."""
    rng = random.Random(7)
    with jf.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text(
            "SELECT member_id FROM leaderboard_scores WHERE board_id = :b"
        ), {"b": PLACE[0]})]  # fmt: skip
        scores = dict(conn.execute(text(
            "SELECT member_id, score FROM leaderboard_scores WHERE board_id = :b"
        ), {"b": PLACE[0]}).all())  # fmt: skip
        boards = SqlLeaderboards(conn)
        picked = [rng.choice(ids) for _ in range(samples)]
        for m in picked[:20]:  # the counts agree with counting
            above = conn.execute(text(
                "SELECT count(*) FROM leaderboard_scores WHERE board_id = :b AND score > :s"
            ), {"b": PLACE[0], "s": scores[m]}).scalar_one()  # fmt: skip
            assert boards.rank(program_id, PLACE, scores[m]) == above + 1
        warm = [lambda m=m: boards.scores(program_id, m, [PLACE]) for m in picked[:50]]
        _timed(warm)
        counting = text(
            "SELECT count(*) FROM leaderboard_scores WHERE program_id = :p AND board_id = :b"
            " AND period = :pe AND scope_key = :s AND hidden = false AND score > :x"
        )
        where = {"p": program_id, "b": PLACE[0], "pe": PLACE[1], "s": PLACE[2]}
        few = picked[: max(samples // 10, 10)]
        return {
            "indexed": _timed([lambda m=m: boards.scores(program_id, m, [PLACE]) for m in picked]),
            "rank": _timed([lambda m=m: boards.rank(program_id, PLACE, scores[m]) for m in picked]),
            "top": _timed([lambda: boards.top(program_id, PLACE, 10) for _ in picked]),
            "count": _timed(
                [
                    lambda m=m: conn.execute(counting, {**where, "x": scores[m]}).scalar_one()
                    for m in few
                ]
            ),
        }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def render(
    figure: Figure, paired: Paired, reads: dict[str, list[float]], runs: int, count: int
) -> list[str]:
    extra = statistics.median(paired.extra)
    cpu_extra = sum(paired.cpu[0]) / sum(paired.cpu[1]) - 1
    ceiling = statistics.median(reads["indexed"])
    rows = [
        ("a member's own rank (counts)", reads["rank"]),
        ("the top 10", reads["top"]),
        ("one indexed read (the ceiling)", reads["indexed"]),
        ("count(*) of the scores above (what the counts replace)", reads["count"]),
    ]
    return [
        "## Challenges and leaderboards",
        "",
        f"**On an order.** The same {count} five-line orders through the services, on "
        f"{runs} pair(s) of fresh PostgreSQL databases side by side: the fresh market as "
        "shipped, where each order moves three challenges (vegetables four weeks running, "
        "three new products this month, 500 yuan in December) and the month's points board, "
        "beside the same programme without its challenges, badges and leaderboards (the "
        "ceiling). Each member places four orders; the second reaches the 500-yuan goal and "
        "is paid for it (one order in four completes a challenge); the members change tier "
        "alike on both databases, so both evaluate the same rules. The orders run in "
        f"{BLOCKS} blocks per pair, alternating between the two databases, so that a slow "
        "moment of the disk falls on both alike. Extra cost = "
        "the median over the blocks of (time with them / time of the paired block without) "
        "- 1, with the lowest and highest in brackets; target under 10%.",
        "",
        "| figure | median | min-max | ceiling | ceiling median | ratio | extra cost "
        "| target met |",
        "|---|---|---|---|---|---|---|---|",
        f"| {figure.name} | {figure.median:,.0f} {figure.unit} "
        f"| {min(figure.runs):,.0f}-{max(figure.runs):,.0f} | {figure.ceiling_name} "
        f"| {figure.ceiling:,.0f}/s | {figure.ratio:.2f} | {extra:.1%} "
        f"({min(paired.extra):.1%} to {max(paired.extra):.1%}) "
        f"| {'yes' if extra < 0.10 else 'no'} |",
        "",
        "CPU per order over the same blocks (this process, which runs the order lane, and "
        "PostgreSQL's processes), milliseconds: "
        + "; ".join(
            f"{side} {1000 * c / paired.orders:.2f} + {1000 * s / paired.orders:.2f} "
            f"= {1000 * (c + s) / paired.orders:.2f}"
            for side, (c, s) in zip(("with them", "without"), paired.cpu, strict=True)
        )
        + f" (extra CPU {cpu_extra:.1%}).",
        "",
        f"**A board at {BOARD_MEMBERS:,} members.** One month's points board with a score "
        f"for each of {BOARD_MEMBERS:,} members and its counts, on PostgreSQL. Each read "
        f"{len(reads['rank']):,} times on one connection, as jifen makes it "
        "(`SqlLeaderboards`), random members; milliseconds. Ratio = median / the median of "
        "one indexed read of the same table (a member's score row by its key). Each rank "
        "was checked against `count(*)` first.",
        "",
        "| read | p50 ms | p99 ms | ratio to one indexed read |",
        "|---|---|---|---|",
        *(
            f"| {name} | {statistics.median(v):.2f} | {_pct(v, 0.99):.2f} "
            f"| {statistics.median(v) / ceiling:.1f} |"
            for name, v in rows
        ),
        "",
    ]


def section(cluster: object, runs: int, count: int) -> list[str]:
    """On the bench's PostgreSQL cluster: a database per run, and one for the board."""
    admin = cluster.url()  # type: ignore[attr-defined]

    def make_url(n: int | str) -> str:
        name = f"bench_engage_{n}"
        probe = bootstrap(Settings(database_url=admin))
        with probe.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        probe.close()
        return str(cluster.url(name))  # type: ignore[attr-defined]

    figure, paired = orders_figure(make_url, runs, count)
    jf, program, _ = _fresh(make_url("board"), False, 10)
    try:
        fill_board(jf, program.id, BOARD_MEMBERS)
        reads = board_reads(jf, program.id, 1000)
    finally:
        jf.close()
    return render(figure, paired, reads, runs, count)


def smoke() -> None:
    """A sample (``JIFEN_BENCH_RUNS``, ``JIFEN_BENCH_COUNT``) on a throwaway cluster; with
    ``--write``, its section replaces this section of ``docs/benchmarks.md``, said so."""
    runs = int(os.environ.get("JIFEN_BENCH_RUNS", "1"))
    count = int(os.environ.get("JIFEN_BENCH_COUNT", "200"))
    started = time.perf_counter()
    cluster = start_cluster(durable=True)
    try:
        lines = section(cluster, runs, count)
    finally:
        cluster.stop()
    print("\n".join(lines), file=sys.stderr)
    if "--write" in sys.argv:
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        note = (
            f"This section was measured again alone by `python -m bench.engagement --write` "
            f"on {when} in {time.perf_counter() - started:.0f} s; the rest of the page is "
            "the run above."
        )
        out = ROOT / "docs" / "benchmarks.md"
        page = out.read_text(encoding="utf-8")
        head, _, rest = page.partition(lines[0] + "\n")
        _, nxt, tail = rest.partition("\n## ")
        out.write_text(
            head + "\n".join([lines[0], "", note, *lines[1:]]) + nxt + tail, encoding="utf-8"
        )


if __name__ == "__main__":
    smoke()

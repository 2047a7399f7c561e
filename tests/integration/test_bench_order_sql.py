"""PostgreSQL: the HTTP benchmark's own-SQL ceilings send what jifen sends.

``bench/over_http/order_sql.py`` writes pgbench scripts from a real batch's two
statements (the read with the BEGIN, the write with the COMMIT, each pair in a
pipeline). They only mean something while they run and write what a batch writes:
given the benchmark's members, the scripts are two pipelines of jifen's own statements,
and pgbench runs them, each transaction recording its orders.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.over_http import LINES, PAID, order_sql
from sqlalchemy.engine import make_url

from jifen.bootstrap import Jifen
from tests.earning_fixtures import count, join, publish
from tests.integration.test_concurrency import jf
from tests.pg import Cluster

pytestmark = __import__("pytest").mark.postgres
__all__ = ["jf"]  # the PostgreSQL-only fixture of the concurrency tests

MEMBERS = order_sql.GROUP + 4


def test_the_benchmarks_scripts_send_a_batchs_two_statements_and_run(
    jf: Jifen, pg_cluster: Cluster, pg_url: str, tmp_path: Path
) -> None:
    # given the fresh-market programme and the benchmark's members, enrolled in order
    program = publish(jf)
    for n in range(MEMBERS):
        join(jf, program, f"B{n:05d}")
    # when the scripts are written from a real batch
    lone, group = order_sql.scripts(pg_url, tmp_path, LINES, PAID)
    for script in (lone, group):
        body = script.path.read_text(encoding="utf-8")
        # then each sends two pipelines: BEGIN with the read, the write with the COMMIT
        assert body.count("\\startpipeline") == 2 and body.count("\\endpipeline") == 2
        assert "BEGIN;" in body and "COMMIT;" in body
        assert "WITH locked AS" in body and "jsonb_populate_recordset" in body
    # and pgbench runs them, each transaction recording its orders
    url = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    for script, per in ((lone, 1), (group, order_sql.GROUP)):
        before = count(jf, "orders")
        defines = {"program": program.id, **script.defines}
        args = [
            str(pg_cluster.bindir / "pgbench"), "-n", "-M", "prepared", "-t", "3",
            "-f", str(script.path),
            *[a for k, v in defines.items() for a in ("-D", f"{k}={v}")], url,
        ]  # fmt: skip
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert count(jf, "orders") == before + 3 * per

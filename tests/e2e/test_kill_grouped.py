"""kill -9 of the server while grouped orders are being written loses nothing it answered.

Given ``jifen serve`` on SQLite and PostgreSQL and sixteen clients posting orders at
once (so that the server writes them in groups), when the server is killed with
SIGKILL in the middle of it and started again, then every order it answered is
there exactly once with the points it answered, every order it did not answer can be
sent again and is recorded exactly once, and ``jifen verify`` finds the ledger whole.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from jifen.bootstrap import bootstrap
from jifen.config import Settings
from tests.e2e.test_api_server import CLI, PROGRAM_FILE, cli, empty_postgres, free_port, jifen_env

pytestmark = pytest.mark.e2e

CLIENTS = 16
MEMBERS = 8
ANSWERED_BEFORE_KILL = 150


def start(url: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    log = (workdir / "server.log").open("a")
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "1"],
        env=jifen_env(url),
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, (workdir / "server.log").read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, (workdir / "server.log").read_text()
        time.sleep(0.1)


def body(order_id: str, i: int) -> dict[str, object]:
    price = f"{10 + i % 90}.00"
    return {
        "order_id": order_id,
        "member": f"M-{i % MEMBERS}",
        "paid": price,
        "lines": [
            {"sku": "bok-choy", "quantity": 1, "unit_price": price, "category": "vegetables"}
        ],
    }


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_killed_server_keeps_every_answered_order_once(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'jifen.db'}"
    else:
        url = empty_postgres(request.getfixturevalue("pg_url"))
    cli(url, tmp_path, "init", "--program", str(PROGRAM_FILE))
    key = cli(url, tmp_path, "apikey", "create", "--scope", "admin", "--name", "kill").strip()
    port = free_port()
    headers = {"Authorization": f"Bearer {key}"}
    base = f"http://127.0.0.1:{port}"
    proc = start(url, tmp_path, port)
    with httpx.Client(base_url=base, headers=headers, timeout=10) as api:
        for m in range(MEMBERS):
            r = api.post(
                "/v1/members", json={"external_id": f"M-{m}"}, headers={"Idempotency-Key": f"j{m}"}
            )
            assert r.status_code == 201, r.text

    answered: dict[str, int] = {}
    sent: dict[str, int] = {}
    lock = threading.Lock()
    killed = threading.Event()

    def client(c: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as api:
            k = 0
            while not killed.is_set():
                order_id, i = f"O-{c}-{k}", c * 10_000 + k
                with lock:
                    sent[order_id] = i
                try:
                    r = api.post("/v1/orders", json=body(order_id, i))
                except httpx.TransportError:
                    return  # the server is gone: this order was not answered
                assert r.status_code == 201, r.text
                with lock:
                    answered[order_id] = r.json()["points"]
                k += 1

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(answered) < ANSWERED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)  # mid-stream: groups are being written
    proc.wait(timeout=10)
    killed.set()
    for t in threads:
        t.join(timeout=30)
    assert len(answered) >= ANSWERED_BEFORE_KILL
    assert len(sent) > len(answered)  # some were in flight when it died

    jf = bootstrap(Settings(database_url=url))
    try:
        with jf.engine.connect() as conn:
            kept = {r[0] for r in conn.execute(text("SELECT order_id FROM orders"))}
    finally:
        jf.close()
    assert set(answered) <= kept  # every answered order survived the kill

    proc = start(url, tmp_path, port)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as api:
            for order_id, i in sent.items():  # the clients send everything again
                r = api.post("/v1/orders", json=body(order_id, i))
                assert r.status_code == 201, r.text
                if order_id in answered:
                    assert r.headers.get("Idempotent-Replayed") == "true"
                    assert r.json()["points"] == answered[order_id]
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    jf = bootstrap(Settings(database_url=url))
    try:
        with jf.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT order_id, COUNT(*) FROM orders GROUP BY order_id")
            ).all()
            # the leaderboards' counts hold each shown score once: none lost or doubled
            shown = conn.execute(text(
                "SELECT board_id, period, scope_key, COUNT(*) FROM leaderboard_scores"
                " WHERE hidden = false GROUP BY board_id, period, scope_key"
            )).all()  # fmt: skip
            counted = conn.execute(text(
                "SELECT board_id, period, scope_key, SUM(n) FROM leaderboard_counts"
                " WHERE level = 0 GROUP BY board_id, period, scope_key HAVING SUM(n) <> 0"
            )).all()  # fmt: skip
    finally:
        jf.close()
    assert shown  # the orders scored on the month's board
    assert sorted((b, p, s, int(n)) for b, p, s, n in counted) == sorted(
        (b, p, s, int(n)) for b, p, s, n in shown
    )
    assert {r[0] for r in rows} == set(sent)
    assert all(r[1] == 1 for r in rows)
    assert json.loads(cli(url, tmp_path, "verify"))["ok"] is True  # exit 0 as well

"""An outage said plainly: the database stops under load, the server answers 503 with
``Retry-After`` on a connection that stays open, and recovers by itself when it is back.

A real ``jifen serve`` process on its own throwaway PostgreSQL cluster (halting the
session's cluster would cut the other tests' connections), spoken to by clients that keep
their connections alive, reading and writing all along.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from jifen.bootstrap import bootstrap
from jifen.config import Settings
from tests.e2e.test_api_server import CLI, PROGRAM_FILE, cli, free_port, jifen_env
from tests.pg import Cluster, PostgresUnavailable, start_cluster

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PROBLEM = "application/problem+json"
SIGN_UP = 100  # fresh-market pays 100 points for joining


@dataclass
class Served:
    cluster: Cluster
    base: str
    key: str
    port: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed here: {exc}")
    workdir = tmp_path_factory.mktemp("outage")
    proc = None
    try:
        url = cluster.url()
        cli(url, workdir, "init", "--program", str(PROGRAM_FILE))
        key = cli(url, workdir, "apikey", "create", "--scope", "admin", "--name", "outage")
        port = free_port()
        env = {**jifen_env(url), "JIFEN_DB_CONNECT_TIMEOUT": "2"}
        log = (workdir / "server.log").open("w")
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)], env=env, cwd=workdir, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(base), 30, f"the server never became healthy: {workdir}")
        http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key.strip()}"})
        r = http.post("/v1/members", json={"external_id": "C-1"}, headers={"Idempotency-Key": "j"})
        assert r.status_code == 201, r.text
        assert r.json()["available"] == SIGN_UP  # the enrolment paid the programme's sign-up
        yield Served(cluster, base, key.strip(), port)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        cluster.stop()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_until(ok: object, seconds: float, why: str) -> None:
    deadline = time.monotonic() + seconds
    while not ok():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(why)
        time.sleep(0.1)


@dataclass
class Load:
    """Clients reading and writing in a loop, each on one kept-alive connection."""

    served: Served
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    keys: Iterator[int] = field(default_factory=itertools.count)

    def run(self, writer: bool) -> None:
        headers = {"Authorization": f"Bearer {self.served.key}"}
        with httpx.Client(base_url=self.served.base, headers=headers, timeout=15) as http:
            while not self.stop.is_set():
                if writer:
                    r = http.post(
                        "/v1/members/C-1/adjustments",
                        json={"points": 1, "reason": "load"},
                        headers={"Idempotency-Key": f"load-{next(self.keys)}"},
                    )
                else:
                    r = http.get("/v1/members/C-1")
                self.statuses[r.status_code] += 1
                if r.status_code not in (200, 201, 503):
                    self.bad.append(f"{r.status_code} {r.text[:200]}")
                elif r.status_code == 503:
                    self.check_503(r)

    def check_503(self, r: httpx.Response) -> None:
        if not r.headers["content-type"].startswith(PROBLEM):
            self.bad.append(f"503 as {r.headers['content-type']}")
        elif r.json()["code"] != "database_unavailable" or r.headers.get("retry-after") != "5":
            self.bad.append(f"503 {r.headers} {r.text[:200]}")


def raw_requests(port: int, paths: list[str], key: str) -> list[bytes]:
    """Each path asked in turn on one TCP connection: what each answer's head was."""
    heads: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        reader = sock.makefile("rb")
        for path in paths:
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n".encode()
            )
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = reader.readline()
                assert line, f"the server closed the connection after {len(heads)} answers"
                head += line
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            reader.read(length)
            heads.append(head)
    return heads


def test_a_stopped_database_is_a_503_with_retry_after_and_the_server_recovers_by_itself(
    served: Served, tmp_path: Path
) -> None:
    load = Load(served)
    threads = [threading.Thread(target=load.run, args=(i % 2 == 0,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        assert load.statuses[200] > 0 and load.statuses[201] > 0, load.statuses
        served.cluster.halt()
        wait_until(lambda: load.statuses[503] >= 20, 30, f"no 503s: {load.statuses}")

        # one connection, two answers: the 503 does not close it
        heads = raw_requests(served.port, ["/v1/members/C-1", "/healthz"], served.key)
        assert [h.split(b" ")[1] for h in heads] == [b"503", b"503"], heads
        assert all(b"connection: close" not in h.lower() for h in heads), heads
        assert all(b"retry-after: 5" in h.lower() for h in heads), heads

        # the pages say it in the visitor's language
        zh = httpx.get(f"{served.base}/portal/sign-in", headers={"Accept-Language": "zh-CN"})
        en = httpx.get(f"{served.base}/portal/sign-in", headers={"Accept-Language": "en"})
        assert (zh.status_code, en.status_code) == (503, 503)
        assert "请稍后再试" in zh.text and "Please try again shortly" in en.text
        assert 'data-code="database_unavailable"' in en.text
        assert en.headers["retry-after"] == "5"

        served.cluster.resume()
        before = load.statuses[200] + load.statuses[201]
        wait_until(
            lambda: load.statuses[200] + load.statuses[201] > before + 20,
            30,
            f"the server did not recover: {load.statuses}",
        )
    finally:
        load.stop.set()
        for t in threads:
            t.join(timeout=30)
    assert load.bad == [], load.bad[:5]
    # every write answered 201 was kept (one cut off mid-commit may be kept without its 201:
    # its retry under the same Idempotency-Key would replay it), and the ledger proves itself
    jf = bootstrap(Settings(database_url=served.cluster.url()))
    try:
        with jf.engine.connect() as conn:
            points = conn.execute(text("SELECT available FROM members")).scalar_one()
    finally:
        jf.close()
    points -= SIGN_UP
    assert load.statuses[201] <= points <= load.statuses[201] + 4
    assert '"ok": true' in cli(served.cluster.url(), tmp_path, "verify")

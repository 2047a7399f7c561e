"""A real ``jifen serve`` process, spoken to over HTTP, on SQLite and PostgreSQL.

The database is set up the way an operator would: ``jifen init --program``
and ``jifen apikey create``, each a subprocess. One server per database
serves the whole module; every test enrols its own member.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from jifen.adapters.db.tables import metadata
from jifen.bootstrap import bootstrap
from jifen.config import Settings

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_FILE = ROOT / "programs" / "fresh-market.yaml"
CLI = [sys.executable, "-m", "jifen.entrypoints.cli.main"]
PROBLEM = "application/problem+json"


def jifen_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_ENVIRONMENT"] = "test"
    env["JIFEN_DATABASE_URL"] = url
    return env


def cli(url: str, cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [*CLI, *args],
        env=jifen_env(url),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"jifen {' '.join(args)} failed: {done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def empty_postgres(url: str) -> str:
    jf = bootstrap(Settings(database_url=url))
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with jf.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    jf.close()
    return url


@dataclass
class Server:
    base: str
    admin_key: str
    read_key: str

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=10)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``jifen serve`` on a database set up by the CLI; terminated afterwards.

    Module-scoped (``database_url`` is per test), so it builds its database the
    same way: a fresh SQLite file, or the session's PostgreSQL database emptied.
    """
    workdir = tmp_path_factory.mktemp(f"serve-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'jifen.db'}"  # not even migrated: init does it
    else:
        url = empty_postgres(request.getfixturevalue("pg_url"))
    cli(url, workdir, "init", "--program", str(PROGRAM_FILE))
    admin = cli(url, workdir, "apikey", "create", "--scope", "admin", "--name", "e2e-admin")
    reader = cli(url, workdir, "apikey", "create", "--scope", "members:read", "--name", "e2e-ro")

    port = free_port()
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)],
            env=jifen_env(url),
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server never became healthy:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield Server(base, admin.strip(), reader.strip())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def enrol(api: httpx.Client, external_id: str) -> None:
    r = api.post(
        "/v1/members",
        json={"external_id": external_id},
        headers={"Idempotency-Key": f"join-{external_id}"},
    )
    assert r.status_code == 201, r.text


def assert_problem(r: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = r.json()
    assert set(body) == {"type", "title", "status", "code", "detail", "params"}
    assert (body["status"], body["code"], body["type"]) == (
        status,
        code,
        f"urn:jifen:problem:{code}",
    )
    return body


def test_the_server_is_healthy_and_serves_the_registered_programme(server: Server) -> None:
    r = httpx.get(f"{server.base}/healthz")
    assert r.json() == {"status": "ok", "programs": 1}


def test_a_client_enrols_credits_spends_and_reads_balances_and_history(server: Server) -> None:
    soon = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    with server.client(server.admin_key) as api:
        r = api.post(
            "/v1/members",
            json={"external_id": "C-100", "phone": "13800000000", "attributes": {"tier": "gold"}},
            headers={"Idempotency-Key": "join-C-100"},
        )
        assert r.status_code == 201, r.text
        # enrolling pays the programme's sign-up (100), once
        assert (r.json()["external_id"], r.json()["available"]) == ("C-100", 100)
        assert len(r.json()["member_code"]) == 16 and len(r.json()["referral_code"]) == 8

        r = api.post(
            "/v1/members/C-100/adjustments",
            json={"points": 500, "reason": "new-member budget", "note": "welcome gift"},
            headers={"Idempotency-Key": "adj-1"},
        )
        assert r.status_code == 201, r.text
        assert (r.json()["kind"], r.json()["points"], r.json()["available"]) == ("adjust", 500, 600)

        r = api.post(
            "/v1/members/C-100/adjustments",
            json={
                "points": 200,
                "reason": "birthday bonus",
                "note": "happy birthday",
                "expires_at": soon,
            },
            headers={"Idempotency-Key": "adj-2"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["available"] == 800

        r = api.post(
            "/v1/members/C-100/holds",
            json={"points": 120, "reference": "order-1"},
            headers={"Idempotency-Key": "hold-1"},
        )
        assert r.status_code == 201, r.text
        hold = r.json()
        assert (hold["available"], hold["held"], hold["hold_status"]) == (680, 120, "active")

        r = api.post(f"/v1/holds/{hold['hold_id']}/capture", headers={"Idempotency-Key": "cap-1"})
        assert r.status_code == 200, r.text
        captured = r.json()
        assert (captured["kind"], captured["points"], captured["hold_status"]) == (
            "capture",
            -120,
            "captured",
        )
        assert (captured["available"], captured["held"]) == (680, 0)

        member = api.get("/v1/members/C-100").json()
        # the spend drew on the soonest-expiring lot: 200 - 120 = 80 expire within 30 days
        assert {k: member[k] for k in ("available", "pending", "held", "expiring_30d")} == {
            "available": 680,
            "pending": 0,
            "held": 0,
            "expiring_30d": 80,
        }
        assert (member["phone"], member["attributes"]) == ("13800000000", {"tier": "gold"})

        page = api.get("/v1/members/C-100/entries", params={"limit": 10}).json()
        assert [(e["kind"], e["points"], e["reason"]) for e in page["items"]] == [
            ("capture", -120, None),
            ("hold", 0, None),
            ("adjust", 200, "happy birthday"),  # the note: the reason is the audit log's
            ("adjust", 500, "welcome gift"),
            ("earn", 100, None),  # the sign-up, paid by the enrolment
        ]
        assert page["items"][2]["actor"] == "apikey:e2e-admin"
        assert page["items"][0]["reference"] == "order-1"
        assert page["next_cursor"] is None

        first = api.get("/v1/members/C-100/entries", params={"limit": 3}).json()
        assert len(first["items"]) == 3
        rest = api.get(
            "/v1/members/C-100/entries", params={"limit": 3, "cursor": first["next_cursor"]}
        ).json()
        assert [e["reason"] for e in rest["items"]] == ["welcome gift", None]


def test_a_request_without_a_key_is_refused_with_401(server: Server) -> None:
    with server.client() as anonymous:
        r = anonymous.get("/v1/members/C-100")
        assert_problem(r, 401, "unauthenticated")
        assert r.headers["www-authenticate"] == "Bearer"
        r = anonymous.post(
            "/v1/members", json={"external_id": "C-401"}, headers={"Idempotency-Key": "anon-1"}
        )
        assert_problem(r, 401, "unauthenticated")
    with server.client("jf_000000000000_not-a-real-secret") as forged:
        assert_problem(forged.get("/v1/members/C-100"), 401, "unauthenticated")
    with server.client(server.admin_key) as api:
        assert_problem(api.get("/v1/members/C-401"), 404, "member_not_found")


def test_a_key_without_the_scope_is_refused_with_403_and_changes_nothing(server: Server) -> None:
    with server.client(server.admin_key) as api:
        enrol(api, "C-403")
    with server.client(server.read_key) as reader:
        assert reader.get("/v1/members/C-403").status_code == 200  # the key itself is good
        r = reader.post(
            "/v1/members/C-403/adjustments",
            json={"points": 50, "reason": "sneaky"},
            headers={"Idempotency-Key": "ro-1"},
        )
        body = assert_problem(r, 403, "permission_denied")
        assert body["params"] == {"scope": "ledger:write"}
        r = reader.get("/v1/members/C-403/entries")
        assert_problem(r, 403, "permission_denied")
    with server.client(server.admin_key) as api:
        assert api.get("/v1/members/C-403").json()["available"] == 100  # the sign-up alone
        entries = api.get("/v1/members/C-403/entries").json()["items"]
        assert [e["points"] for e in entries] == [100]


def test_a_replayed_idempotency_key_returns_the_first_response_and_writes_once(
    server: Server,
) -> None:
    with server.client(server.admin_key) as api:
        enrol(api, "C-IDEM")
        call = {
            "url": "/v1/members/C-IDEM/adjustments",
            "json": {"points": 30, "reason": "goodwill"},
            "headers": {"Idempotency-Key": "idem-1"},
        }
        first = api.post(**call)  # type: ignore[arg-type]
        again = api.post(**call)  # type: ignore[arg-type]
        assert first.status_code == again.status_code == 201
        assert "idempotent-replayed" not in first.headers
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert api.get("/v1/members/C-IDEM").json()["available"] == 130  # 100 for joining
        assert len(api.get("/v1/members/C-IDEM/entries").json()["items"]) == 2

        r = api.post(
            "/v1/members/C-IDEM/adjustments",
            json={"points": 31, "reason": "goodwill"},
            headers={"Idempotency-Key": "idem-1"},
        )
        assert_problem(r, 409, "idempotency_key_reused")
        r = api.post("/v1/members/C-IDEM/adjustments", json={"points": 30, "reason": "goodwill"})
        assert_problem(r, 400, "idempotency_key_required")
        assert api.get("/v1/members/C-IDEM").json()["available"] == 130


def test_an_oversized_body_is_refused_with_413_over_the_wire(server: Server) -> None:
    with server.client(server.admin_key) as api:
        r = api.post(
            "/v1/members/C-100/adjustments",
            content=b'{"points": 1, "reason": "' + b"x" * (70 * 1024) + b'"}',
            headers={"Idempotency-Key": "big-1", "Content-Type": "application/json"},
        )
        assert_problem(r, 413, "payload_too_large")


def test_the_openapi_document_lists_every_endpoint(server: Server) -> None:
    r = httpx.get(f"{server.base}/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    expected = {
        "/healthz": {"get"},
        "/v1/members": {"post"},
        "/v1/members/{external_id}": {"get", "patch"},
        "/v1/member-codes/{code}": {"get"},
        "/v1/members/{external_id}/entries": {"get"},
        "/v1/members/{external_id}/export": {"get"},
        "/v1/members/{external_id}/erasure": {"post"},
        "/v1/members/{external_id}/tier": {"get", "post"},
        "/v1/members/{external_id}/expiring": {"get"},
        "/v1/members/{external_id}/redemptions": {"get"},
        "/v1/members/{external_id}/rewards": {"get"},
        "/v1/members/{external_id}/referrals": {"get"},
        "/v1/members/{external_id}/referral/void": {"post"},
        "/v1/referrals": {"get"},
        "/v1/tasks": {"get"},
        "/v1/tasks/{task}/completions": {"post"},
        "/v1/tasks/{task}/submissions": {"post"},
        "/v1/task-submissions": {"get"},
        "/v1/task-submissions/{submission}/review": {"post"},
        "/v1/members/{external_id}/social-tasks": {"put"},
        "/inbound/{program}/{source}": {"post"},
        "/v1/challenges": {"get"},
        "/v1/badges": {"get"},
        "/v1/members/{external_id}/challenges": {"get"},
        "/v1/leaderboards": {"get"},
        "/v1/leaderboards/{board}": {"get"},
        "/v1/members/{external_id}/leaderboards": {"put"},
        "/v1/redemptions": {"post"},
        "/v1/redemptions/quote": {"post"},
        "/v1/redemptions/{redemption_id}": {"get"},
        "/v1/redemptions/{redemption_id}/cancel": {"post"},
        "/v1/redemptions/{redemption_id}/capture": {"post"},
        "/v1/redemptions/{redemption_id}/release": {"post"},
        "/v1/rewards": {"get"},
        "/v1/rewards/{code}": {"put", "delete"},
        "/v1/rewards/{code}/stock": {"put"},
        "/v1/lotteries": {"get"},
        "/v1/lottery/draws": {"post"},
        "/v1/members/{external_id}/draws": {"get"},
        "/v1/causes": {"get"},
        "/v1/donations": {"post"},
        "/v1/vouchers/{code}": {"get"},
        "/v1/vouchers/{code}/consume": {"post"},
        "/v1/members/{external_id}/adjustments": {"post"},
        "/v1/members/{external_id}/holds": {"post"},
        "/v1/holds/{hold_id}/capture": {"post"},
        "/v1/holds/{hold_id}/release": {"post"},
        "/v1/entries/{entry_id}/reversals": {"post"},
        "/v1/orders": {"post"},
        "/v1/orders/{order_id}/refunds": {"post"},
        "/v1/activities": {"post"},
        "/v1/simulate": {"post"},
        "/v1/program": {"get"},
        "/v1/program/condition-errors": {"get"},
        "/v1/program/versions": {"post"},
        "/v1/program/versions/{version}": {"get"},
        "/v1/apikeys": {"get"},
        "/v1/apikeys/{key_id}/revoke": {"post"},
        "/v1/apikeys/{key_id}/rotate": {"post"},
    }

    assert {path: set(ops) for path, ops in paths.items()} == expected
    adjust = paths["/v1/members/{external_id}/adjustments"]["post"]
    headers = {p["name"]: p["required"] for p in adjust["parameters"] if p["in"] == "header"}
    assert headers.get("Idempotency-Key") is True

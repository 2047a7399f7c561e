"""Tiers and expiring points over HTTP, and ``jifen tier`` in the shell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.entrypoints.api.app import create_app
from jifen.services.access import apikeys
from jifen.services.programs import registry as programs
from tests.e2e.test_cli import PROGRAM_FILE, jifen
from tests.earning_fixtures import buy, count, join, line, publish


@pytest.fixture
def api(jf: Jifen) -> Iterator[tuple[TestClient, dict[str, str]]]:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "1", "1200.00", line("tv", 1, "1200.00"))  # silver
    keys = {
        scope: apikeys.create_key(jf.uow(), jf.clock, program, scope, [scope], "test")
        for scope in ("admin", "members:read")
    }
    with TestClient(create_app(jf)) as client:
        yield client, keys


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


def test_the_tier_shows_progress_and_history(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    r = client.get("/v1/members/C-1/tier", headers=auth(keys["members:read"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["tier"], body["multiplier"], body["next_tier"]) == ("silver", "2", "gold")
    assert body["name"] == {"zh-CN": "银卡会员", "en": "Silver"}
    assert body["routes"][0] == [
        {"metric": "spend", "have": 120000, "need": 500000, "missing": 380000}
    ]
    assert [h["reason"] for h in body["history"]] == ["qualified"]
    member = client.get("/v1/members/C-1", headers=auth(keys["members:read"])).json()
    assert member["tier"] == "silver"
    assert client.get("/v1/members/nobody/tier", headers=auth(keys["members:read"])).json()[
        "code"
    ] == ("member_not_found")


def test_an_override_needs_the_admin_scope_a_key_and_a_known_tier(
    jf: Jifen, api: tuple[TestClient, dict[str, str]]
) -> None:
    client, keys = api
    body = {"tier": "gold", "until": "2026-12-31T23:59:59+08:00", "reason": "VIP"}
    denied = client.post(
        "/v1/members/C-1/tier",
        json=body,
        headers=auth(keys["members:read"], **{"Idempotency-Key": "t1"}),
    )
    assert denied.status_code == 403
    bad = client.post(
        "/v1/members/C-1/tier",
        json={**body, "tier": "platinum"},
        headers=auth(keys["admin"], **{"Idempotency-Key": "t0"}),
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["params"]["field"] == "tier"
    changes = count(jf, "tier_changes")
    ok = client.post(
        "/v1/members/C-1/tier", json=body, headers=auth(keys["admin"], **{"Idempotency-Key": "t1"})
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["tier"], ok.json()["floor"]) == ("gold", "gold")
    again = client.post(
        "/v1/members/C-1/tier", json=body, headers=auth(keys["admin"], **{"Idempotency-Key": "t1"})
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(jf, "tier_changes") == changes + 1


def test_expiring_points_are_grouped_by_local_day(
    jf: Jifen, api: tuple[TestClient, dict[str, str]]
) -> None:
    client, keys = api
    r = client.get("/v1/members/C-1/expiring?days=400", headers=auth(keys["members:read"]))
    assert r.status_code == 422  # at most a year and a day
    r = client.get("/v1/members/C-1/expiring?days=366", headers=auth(keys["members:read"]))
    body = r.json()
    # Bought 2026-03-01 at noon in Shanghai: they expire 12 months later, at noon.
    assert body["total"] == 1200 + 1200 + 50
    assert [(d["date"], d["points"]) for d in body["by_day"]] == [("2027-03-01", 2450)]
    assert body["by_day"][0]["expires_at"].startswith("2027-03-01T04:00:00")
    soon = client.get("/v1/members/C-1/expiring?days=30", headers=auth(keys["members:read"]))
    assert soon.json()["by_day"] == [] and soon.json()["total"] == 0


def test_jifen_tier_set_show_clear_and_review(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jifen.db'}"
    assert jifen(url, tmp_path, "init", "--program", str(PROGRAM_FILE)).returncode == 0
    jf = bootstrap(Settings(database_url=url))
    try:
        program = programs.find_program(jf.uow(write=False), None)
        join(jf, program, "C-9")
    finally:
        jf.close()
    done = jifen(
        url, tmp_path, "tier", "set", "C-9", "gold", "--until", "2099-01-31", "--reason", "VIP"
    )
    assert done.returncode == 0, done.stderr
    assert "C-9: gold until 2099-01-31" in done.stdout
    shown = jifen(url, tmp_path, "tier", "show", "C-9")
    assert "C-9: gold (x3)" in shown.stdout and "(floor_set)" in shown.stdout
    wrong = jifen(
        url, tmp_path, "tier", "set", "C-9", "platinum", "--until", "2099-01-31", "--reason", "x"
    )
    assert wrong.returncode != 0
    assert wrong.stderr.strip().count("\n") == 0 and "unknown tier 'platinum'" in wrong.stderr
    cleared = jifen(url, tmp_path, "tier", "clear", "C-9", "--reason", "done")
    assert cleared.returncode == 0 and "C-9: regular" in cleared.stdout
    reviewed = jifen(url, tmp_path, "tier", "review", "--as-of", "2027-01-01")
    assert reviewed.returncode == 0 and "reviewed" in reviewed.stdout
    assert jifen(url, tmp_path, "tier", "review", "--as-of", "soon").returncode != 0


@pytest.mark.parametrize(
    "until", ["2026-12-31T23:59:59", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]
)
def test_an_override_s_end_is_bounded_like_every_instant_from_outside(
    jf: Jifen, api: tuple[TestClient, dict[str, str]], until: str
) -> None:
    """A naive end, or one beyond what Python and the database hold, is a 4xx, not a 500."""
    client, keys = api
    changes = count(jf, "tier_changes")
    r = client.post(
        "/v1/members/C-1/tier",
        json={"tier": "gold", "until": until, "reason": "VIP"},
        headers=auth(keys["admin"], **{"Idempotency-Key": f"u-{until}"}),
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert count(jf, "tier_changes") == changes

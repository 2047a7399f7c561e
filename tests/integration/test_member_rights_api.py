"""Export and erasure through the API and the CLI, with their documented answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.cli.main import app as cli
from jifen.services import ledger, members
from jifen.services.access import apikeys
from jifen.services.ledger import Earn
from jifen.services.members import CreateMember
from tests.earning_fixtures import publish
from tests.factories import assert_verified, key


@pytest.fixture
def shop(jf: Jifen) -> Program:
    program = publish(jf)
    cmd = CreateMember("C-5", "+8613700000005", "han.mei@example.com", None, {"name": "韩梅梅"})
    members.create_member(jf.uow(), jf.clock, program, cmd, key())
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-5", 80), key())
    return program


def test_the_api_exports_then_erases_once(jf: Jifen, shop: Program) -> None:
    writer = apikeys.create_key(jf.uow(), jf.clock, shop, "crm", ["members:write"], "t")
    reader = apikeys.create_key(jf.uow(), jf.clock, shop, "ro", ["members:read"], "t")
    w = {"Authorization": f"Bearer {writer}"}
    r = {"Authorization": f"Bearer {reader}"}
    with TestClient(create_app(jf)) as client:
        exported = client.get("/v1/members/C-5/export", headers=r)
        refused = client.post("/v1/members/C-5/erasure", headers={**r, "Idempotency-Key": "e1"})
        no_key = client.post("/v1/members/C-5/erasure", headers=w)
        erased = client.post("/v1/members/C-5/erasure", headers={**w, "Idempotency-Key": "e1"})
        again = client.post("/v1/members/C-5/erasure", headers={**w, "Idempotency-Key": "e1"})
        later = client.post("/v1/members/C-5/erasure", headers={**w, "Idempotency-Key": "e2"})
        gone = client.get("/v1/members/C-5/export", headers=r)
        member = client.get("/v1/members/C-5", headers=r)
        schema = client.get("/openapi.json").json()

    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert (body["format"], body["consents"]) == ("jifen.member-export/1", [])
    assert body["profile"]["attributes"] == {"name": "韩梅梅"}
    assert body["balances"] == {"available": 80, "pending": 0, "held": 0}
    assert sorted(body["engagement"]) == [
        "activities", "badges", "challenges", "leaderboards", "task_proofs"
    ]  # fmt: skip
    assert body["referral"]["referred"] is None and body["referral"]["friends_joined"] == 0
    assert (refused.status_code, no_key.status_code) == (403, 400)
    assert erased.status_code == 200, erased.text
    assert erased.json()["member"].startswith("erased-") and erased.json()["forfeited"] == 80
    assert again.json() == erased.json() and again.headers["Idempotent-Replayed"] == "true"
    for answer in (later, gone, member):
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "member_not_found"
    erasure = schema["paths"]["/v1/members/{external_id}/erasure"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(erasure)
    assert_verified(jf)


def test_the_cli_exports_to_a_file_and_erases(
    jf: Jifen, shop: Program, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIFEN_DATABASE_URL", database_url)
    runner = CliRunner()
    out = tmp_path / "c5.json"

    exported = runner.invoke(cli, ["members", "export", "C-5", "--out", str(out)])
    adjusted = runner.invoke(
        cli, ["members", "adjust", "C-5", "20", "--reason", "hidden why", "--note", "a gift"]
    )
    unconfirmed = runner.invoke(cli, ["members", "erase", "C-5"], input="n\n")
    erased = runner.invoke(cli, ["members", "erase", "C-5", "--yes", "--actor", "dpo"])
    missing = runner.invoke(cli, ["members", "export", "C-5"])

    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text(encoding="utf-8"))["profile"]["external_id"] == "C-5"
    assert adjusted.exit_code == 0, adjusted.output
    assert unconfirmed.exit_code != 0
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.stdout)["forfeited"] == 100
    assert missing.exit_code == 3  # not found
    assert_verified(jf)

"""The console's buttons for a member's data: download it, erase the member once confirmed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.web.console.session import SESSION
from jifen.services import access, ledger, members
from jifen.services.ledger import Earn
from jifen.services.members import CreateMember
from tests.earning_fixtures import publish
from tests.factories import assert_verified, key

PASSWORD = "correct horse battery"


def console(jf: Jifen, role: str) -> tuple[TestClient, str]:
    access.create_operator(jf.uow(), jf.clock, jf.passwords, role, role, role, PASSWORD, "t")
    token, session, _ = access.sign_in(
        jf.uow(), jf.clock, jf.passwords, role, PASSWORD, jf.settings.secret_key
    )
    client = TestClient(create_app(jf))
    client.cookies.set(SESSION, token)
    return client, session.csrf


@pytest.fixture
def shop(jf: Jifen) -> Program:
    program = publish(jf)
    cmd = CreateMember("C-9", "+8613900000009", "li.lei@example.com", None, {"name": "李雷"})
    members.create_member(jf.uow(), jf.clock, program, cmd, key())
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-9", 120), key())
    return program


def test_an_admin_downloads_the_data_then_erases_after_confirming(jf: Jifen, shop: Program) -> None:
    client, csrf = console(jf, "admin")
    with client:
        page = client.get("/console/members/C-9", headers={"Accept-Language": "zh-CN"})
        download = client.get("/console/members/C-9/export")
        confirm = client.get("/console/members/C-9/erase", headers={"Accept-Language": "en"})
        form = {"csrf": csrf, "nonce": "nonce-12345"}
        unconfirmed = client.post("/console/members/C-9/erase", data={**form, "confirm": "C-"})
        erased = client.post(
            "/console/members/C-9/erase", data={**form, "confirm": "C-9"}, follow_redirects=False
        )
        gone = client.get("/console/members/C-9")

    assert "下载会员数据（JSON）" in page.text and "删除该会员…" in page.text
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert download.json()["format"] == "jifen.member-export/1"
    assert download.json()["profile"]["attributes"] == {"name": "李雷"}
    assert confirm.status_code == 200 and "forfeits their 120 points" in confirm.text
    assert "<script" not in confirm.text and "style=" not in confirm.text
    assert unconfirmed.status_code == 422
    assert erased.status_code == 303 and erased.headers["location"] == "/console/?done=erased"
    assert gone.status_code == 404
    assert members.search(jf.uow(write=False), jf.clock, shop, "C-9") == []
    assert_verified(jf)


def test_an_operator_may_download_but_not_erase(jf: Jifen, shop: Program) -> None:
    client, csrf = console(jf, "operator")
    with client:
        page = client.get("/console/members/C-9", headers={"Accept-Language": "en"})
        download = client.get("/console/members/C-9/export")
        refused = client.post(
            "/console/members/C-9/erase",
            data={"csrf": csrf, "nonce": "nonce-12345", "confirm": "C-9"},
        )
    assert "Download their data (JSON)" in page.text and "Erase this member" not in page.text
    assert download.status_code == 200
    assert refused.status_code == 403
    assert members.get_member(jf.uow(write=False), jf.clock, shop, "C-9").available == 120

"""Publishing over HTTP and in the console refuses a mistyped condition, saying where and why."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.web.console.session import SESSION
from jifen.services import access, programs
from jifen.services.access import apikeys
from jifen.services.rulebooks import Rulebooks
from tests.earning_fixtures import ROOT, publish

GOOD = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
FIND = "    when: member.first_order_this_week\n"
MISTYPED = GOOD.replace(FIND, "    when: member.first_order_this_week && order.total == 100\n")
LINE = GOOD[: GOOD.index(FIND)].count("\n") + 1


def test_the_api_refuses_a_mistyped_condition_as_problem_json_naming_line_and_column(
    jf: Jifen,
) -> None:
    program = publish(jf)
    admin = apikeys.create_key(jf.uow(), jf.clock, program, "admin", ["admin"], "test")

    with TestClient(create_app(jf)) as client:
        r = client.post(
            "/v1/program/versions",
            content=MISTYPED,
            headers={"Authorization": f"Bearer {admin}", "Content-Type": "text/plain"},
        )

    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "program_condition_mistyped"
    assert body["params"]["errors"] == [
        {
            "line": LINE,
            "column": len("    when: member.first_order_this_week && order.total ") + 1,
            "field": "rules.0.when",
            "message": "== cannot take (double, int)",
            "hint": "an int and a double do not mix: write order.total == 100.0",
        }
    ]
    assert f":{LINE}:" in body["detail"]


def test_the_console_explains_a_mistyped_condition_in_the_operators_language(jf: Jifen) -> None:
    publish(jf)
    access.create_operator(jf.uow(), jf.clock, jf.passwords, "ed", "ed", "admin", "pw-" * 5, "t")
    token, session, _ = access.sign_in(
        jf.uow(), jf.clock, jf.passwords, "ed", "pw-" * 5, jf.settings.secret_key
    )
    client = TestClient(create_app(jf))
    client.cookies.set(SESSION, token)
    form = {"csrf": session.csrf, "action": "publish", "source": MISTYPED, "base": "1"}

    with client:
        zh = client.post("/console/program", data=form, headers={"Accept-Language": "zh-CN"})
        en = client.post("/console/program", data=form, headers={"Accept-Language": "en"})

    assert zh.status_code == en.status_code == 422
    assert "以下条件的类型检查未通过" in zh.text
    assert "These conditions do not type-check" in en.text
    assert "write order.total == 100.0" in en.text


def test_a_version_published_before_the_checker_still_loads(jf: Jifen) -> None:
    program = publish(jf)
    with jf.uow() as uow:  # as if published by a jifen without the checker
        uow.versions.add(program.id, 2, MISTYPED, "old", jf.clock.now())
        uow.versions.set_current(program.id, 2)
        uow.commit()

    rules = programs.rules_of(jf.uow(write=False), Rulebooks(jf.rulebooks.compiler), program)

    assert rules is not None and rules.earning.version == 2

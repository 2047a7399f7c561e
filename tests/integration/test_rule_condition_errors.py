"""A rule whose condition fails on some orders is explained and counted, not hidden as
false: on SQLite and PostgreSQL. The fake clock starts on Sunday 2026-03-01, noon in
Shanghai."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.services import earning
from jifen.services.access import apikeys
from jifen.services.earning.commands import RecordActivity
from tests.earning_fixtures import ROOT, buy, join, line, publish
from tests.factories import FakeClock, key
from tests.import_fixtures import item, order, run_import, write_jsonl
from tests.integration.test_console_rights import console

RULES = """
  - {id: level-bonus, kind: bonus, points: 30, name: {en: Level bonus, zh-CN: 等级奖励},
     when: "member.attributes.level > 3"}
  - {id: sign-up-level, kind: activity, activity: sign_up, points: 5,
     when: "member.attributes.level > 3"}
"""
MILK = line("milk", 1, "100.00", "dairy")


def with_level_rules() -> str:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    return source.replace("\ncampaigns:", RULES + "\ncampaigns:", 1)


def broken_sometimes(jf: Jifen) -> Program:
    """fresh-market with a bonus for level > 3, where some members' level is a string."""
    program = publish(jf, source=with_level_rules())
    join(jf, program, "C-1", level=5)
    join(jf, program, "C-2", level="5")  # a CRM that sends text
    join(jf, program, "C-3", level=2)
    return program


def reasons(result: earning.EarnResult) -> dict[str, tuple[str, dict[str, object]]]:
    return {s.rule_id: (s.reason, s.detail) for s in result.award.skipped}


def test_a_condition_that_fails_is_explained_as_an_error_and_the_order_keeps_its_points(
    jf: Jifen,
) -> None:
    program = broken_sometimes(jf)
    fired = buy(jf, program, "C-1", "1", "100.00", MILK)
    failed = buy(jf, program, "C-2", "2", "100.00", MILK)
    false = buy(jf, program, "C-3", "3", "100.00", MILK)

    assert {x.rule_id for x in fired.award.lines} >= {"base", "level-bonus"}
    reason, detail = reasons(failed)["level-bonus"]
    assert reason == "condition_error"
    assert detail["error"] == "no such overload: _>_(string, int)"
    assert detail["problem"] == "wrong_types"
    assert detail["explanation"] == "> does not accept these types: string, int"
    assert detail["condition"] == "member.attributes.level > 3"
    # the order still gets every other rule's points: base and the weekly double
    assert failed.points == fired.points - 30 and failed.points > 0
    assert reasons(false)["level-bonus"][0] == "condition_false"


def test_failed_conditions_are_counted_per_rule_and_day_with_the_latest(
    jf: Jifen, clock: FakeClock
) -> None:
    program = broken_sometimes(jf)
    buy(jf, program, "C-2", "1", "100.00", MILK)
    buy(jf, program, "C-3", "2", "100.00", MILK)  # false: not counted
    buy(jf, program, "C-1", "3", "100.00", MILK)  # fired: not counted
    clock.advance(hours=1)
    buy(jf, program, "C-2", "4", "100.00", MILK)
    cmd = RecordActivity("C-2", "sign_up", {})
    earning.record_activity(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key())

    found = earning.condition_errors(jf.uow(write=False), jf.clock, program)

    assert [(x.rule_id, x.day, x.errors) for x in found] == [
        ("level-bonus", date(2026, 3, 1), 2),
        ("sign-up-level", date(2026, 3, 1), 1),
    ]
    latest = found[0]
    assert latest.last_reference == "4" and latest.last_at == clock.now()
    assert latest.last_error == "no such overload: _>_(string, int)"
    assert latest.last_problem == "wrong_types"
    assert latest.last_params == {"operation": ">", "types": "string, int"}
    clock.advance(days=1)
    buy(jf, program, "C-2", "5", "100.00", MILK)
    days = [
        (x.day, x.rule_id, x.errors) for x in earning.condition_errors(jf.uow(), jf.clock, program)
    ]
    assert days[0] == (date(2026, 3, 2), "level-bonus", 1)
    assert (date(2026, 3, 1), "level-bonus", 2) in days


def test_an_order_whose_conditions_all_evaluate_writes_no_error_row(jf: Jifen) -> None:
    program = broken_sometimes(jf)
    buy(jf, program, "C-1", "1", "100.00", MILK)
    buy(jf, program, "C-3", "2", "100.00", MILK)
    assert earning.condition_errors(jf.uow(write=False), jf.clock, program) == []


def test_the_programme_page_shows_the_rule_that_failed_today_in_both_languages(
    jf: Jifen,
) -> None:
    program = broken_sometimes(jf)
    client, _ = console(jf, "admin")
    with client:
        calm = client.get("/console/program", headers={"Accept-Language": "en"})
        buy(jf, program, "C-2", "1", "100.00", MILK)
        buy(jf, program, "C-2", "2", "100.00", MILK)
        buy(jf, program, "C-3", "3", "100.00", MILK)  # false, not an error
        en = client.get("/console/program", headers={"Accept-Language": "en"})
        client.get("/lang/zh-CN")
        zh = client.get("/console/program", headers={"Accept-Language": "zh-CN"})
    assert 'data-testid="no-condition-errors"' in calm.text
    row = re.search(r'<tr data-rule="level-bonus">(.*?)</tr>', en.text, re.S)
    assert row is not None
    assert "Level bonus" in row[1] and '<td data-testid="errors">2</td>' in row[1]
    assert "&gt; does not accept these types: string, int" in row[1]
    assert "no such overload: _&gt;_(string, int)" in row[1]
    assert "Rules whose condition failed" in en.text
    assert "等级奖励" in zh.text and "条件求值出错的规则" in zh.text
    assert "&gt; 不接受这些类型：string, int" in zh.text


def test_the_api_explains_the_error_and_lists_the_rule_that_failed(jf: Jifen) -> None:
    program = broken_sometimes(jf)
    key_ = apikeys.create_key(
        jf.uow(), jf.clock, program, "k", ["ledger:write", "ledger:read"], "test"
    )
    order = {"order_id": "9", "member": "C-2", "paid": "100.00"}
    headers = {"Authorization": f"Bearer {key_}"}
    with TestClient(create_app(jf)) as client:
        placed = client.post("/v1/orders", json=order, headers=headers)
        listed = client.get("/v1/program/condition-errors", headers=headers)
        bad = client.get("/v1/program/condition-errors?days=0", headers=headers)
    assert placed.status_code == 201, placed.text
    skipped = {s["rule_id"]: s for s in placed.json()["award"]["skipped"]}
    assert skipped["level-bonus"]["reason"] == "condition_error"
    assert skipped["level-bonus"]["detail"]["explanation"] == (
        "> does not accept these types: string, int"
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["days"] == 7
    [rule] = listed.json()["rules"]
    assert rule["rule_id"] == "level-bonus" and rule["day"] == "2026-03-01"
    assert (rule["errors"], rule["last_reference"]) == (1, "9")
    assert rule["last_problem"] == "wrong_types"
    assert bad.status_code == 422


def test_a_previewed_draft_says_which_condition_failed_on_the_sample_order(jf: Jifen) -> None:
    broken_sometimes(jf)
    source = with_level_rules()
    client, csrf = console(jf, "admin")
    form = {"csrf": csrf, "action": "preview", "source": source, "base": "1",
            "member": "", "lines": "rice, 1, 100.00, grain", "paid": ""}  # fmt: skip
    with client:
        en = client.post("/console/program", data=form, headers={"Accept-Language": "en"})
    assert en.status_code == 200, en.text
    assert "Draft: the condition of level-bonus failed: the field &#39;level&#39; is missing" in (
        en.text
    )


def test_an_import_counts_failed_conditions_as_the_api_does(jf: Jifen, tmp_path: Path) -> None:
    program = broken_sometimes(jf)
    rows = [
        order(str(n), member, "2026-02-27T10:00:00+08:00", "10.00", item("milk", 1, "10.00", "d"))
        for n, member in enumerate(["C-1", "C-2", "C-3", "C-2"])
    ]
    summary = run_import(jf, program, write_jsonl(tmp_path / "orders.jsonl", rows))
    assert summary.imported == 4
    [found] = earning.condition_errors(jf.uow(write=False), jf.clock, program)
    assert (found.rule_id, found.day, found.errors) == ("level-bonus", date(2026, 3, 1), 2)

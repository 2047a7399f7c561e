"""Tasks: a platform's signed webhook (valid, wrong, replayed, expired, rotated), the API's
automatic completion, the proof a task asks for, and members who opt out of social tasks.
On both databases."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook
from typer.testing import CliRunner

from jifen.bootstrap import Jifen
from jifen.domain.errors import (
    Conflict,
    IdempotencyConflict,
    InvalidInput,
    RuleViolation,
    Unauthenticated,
)
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.cli.main import app as cli
from jifen.services import engagement, members, rights
from jifen.services.access import apikeys
from jifen.services.earning import EarnResult, RecordActivity, record_activity
from jifen.services.engagement import CompleteTask, Enrol, ReviewSubmission, SubmitTask, TakePart
from jifen.services.rights import EraseMember
from tests.earning_fixtures import buy, line, publish
from tests.factories import FakeClock, assert_verified, balances, key
from tests.integration.test_doors_http import console
from tests.integration.test_member_rights import text_cells

SIGN_UP = 100


@pytest.fixture
def shop(jf: Jifen) -> Program:
    program = publish(jf)
    for member, email in (("ANN", "ann@example.com"), ("BO", "bo@example.com")):
        engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, program,
                         Enrol(member, email=email), key("enrol"))  # fmt: skip
    return program


def message(member: str = "ANN", task: str = "share-photo", **more: str) -> bytes:
    data = {"member": member, "task": task, "reference": "https://weibo.example/p/1", **more}
    return json.dumps({"type": "task.completed", "data": data}).encode()


def headers(secret: str, body: bytes, clock: FakeClock, msg: str = "msg-1",
            age: timedelta = timedelta(0)) -> dict[str, str]:  # fmt: skip
    when = clock.now() - age
    return {
        "webhook-id": msg,
        "webhook-timestamp": str(int(when.timestamp())),
        # signed by the specification's reference package, as a platform would
        "webhook-signature": Webhook(secret).sign(msg, when, body),
    }


def receive(jf: Jifen, program: Program, hdrs: dict[str, str], body: bytes,
            source: str = "weibo") -> EarnResult:  # fmt: skip
    return engagement.receive(jf.uow(), jf.clock, jf.rulebooks, program, source, hdrs, body)


def tasks_recorded(jf: Jifen) -> int:
    with jf.engine.connect() as conn:
        query = "SELECT count(*) FROM activities WHERE kind LIKE 'task.%'"
        return int(conn.execute(text(query)).scalar_one())


def test_a_signed_webhook_pays_the_task_once_and_a_replay_answers_the_same(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    secret = engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "console:olga").secret
    body = message()
    first = receive(jf, shop, headers(secret, body, clock), body)
    assert (first.points, first.available) == (50, SIGN_UP + 50)
    clock.advance(minutes=2)  # the platform retries: the same message, still in the window
    again = receive(jf, shop, headers(secret, body, clock), body)
    assert again.replayed and again.points == 50
    assert balances(jf, shop, "ANN") == (SIGN_UP + 50, 0, 0)
    with pytest.raises(IdempotencyConflict):  # the same id for another message
        receive(jf, shop, headers(secret, message("BO"), clock), message("BO"))
    # a second share the same day is recorded and pays nothing (a day's cap of one)
    capped = receive(jf, shop, headers(secret, body, clock, msg="msg-2"), body)
    assert capped.points == 0
    assert [s.reason for s in capped.award.skipped] == ["cap_reached"]
    assert tasks_recorded(jf) == 2
    assert_verified(jf)


@pytest.mark.parametrize(
    "spoil",
    ["wrong secret", "body changed", "too old", "from the future", "no signature",
     "unknown source", "not a number"],
)  # fmt: skip
def test_a_webhook_that_fails_its_signature_or_its_time_changes_nothing(
    jf: Jifen, shop: Program, clock: FakeClock, spoil: str
) -> None:
    secret = engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "t").secret
    body, source = message(), "weibo"
    hdrs = headers(secret, body, clock)
    if spoil == "wrong secret":
        hdrs = headers(engagement.add_source(jf.uow(), jf.clock, shop, "x", "t").secret,
                       body, clock)  # fmt: skip
    elif spoil == "body changed":
        body = message(reference="https://weibo.example/p/2")
    elif spoil == "too old":
        hdrs = headers(secret, body, clock, age=timedelta(minutes=5, seconds=2))
    elif spoil == "from the future":
        hdrs = headers(secret, body, clock, age=-timedelta(minutes=6))
    elif spoil == "no signature":
        del hdrs["webhook-signature"]
    elif spoil == "unknown source":
        source = "douyin"
    else:
        hdrs["webhook-timestamp"] = "9" * 40
    with pytest.raises(Unauthenticated) as refused:
        receive(jf, shop, hdrs, body, source)
    assert refused.value.code.value == "webhook_refused"
    assert tasks_recorded(jf) == 0
    assert balances(jf, shop, "ANN") == (SIGN_UP, 0, 0)


def test_a_rotated_secret_is_accepted_for_a_day_then_refused(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    old = engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "t").secret
    new = engagement.rotate_source(jf.uow(), jf.clock, shop, "weibo", "t").secret
    assert new != old
    body = message()
    assert receive(jf, shop, headers(old, body, clock, msg="a"), body).points == 50
    clock.advance(days=1, seconds=1)
    with pytest.raises(Unauthenticated):
        receive(jf, shop, headers(old, body, clock, msg="b"), body)
    assert receive(jf, shop, headers(new, body, clock, msg="c"), body).points == 50
    with pytest.raises(Conflict):  # one source per name
        engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "t")


def test_a_member_who_opted_out_of_social_tasks_is_never_recorded_for_one(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    secret = engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "t").secret
    out = engagement.take_part(jf.uow(), jf.clock, shop, TakePart("ANN", False), key("tp"))
    assert out.social_tasks is False
    body = message()
    with pytest.raises(RuleViolation) as refused:
        receive(jf, shop, headers(secret, body, clock), body)
    assert refused.value.code.value == "social_tasks_opted_out"
    # a check-in is not social: still paid
    done = engagement.complete_task(jf.uow(), jf.clock, jf.rulebooks, shop,
                                    CompleteTask("ANN", "store-check-in"), key("ci"))  # fmt: skip
    assert done.points == 5
    engagement.take_part(jf.uow(), jf.clock, shop, TakePart("ANN", True), key("tp"))
    later = receive(jf, shop, headers(secret, body, clock, msg="m2"), body)
    assert later.points == 50
    assert tasks_recorded(jf) == 2


def test_a_task_cannot_be_sent_as_a_plain_activity(jf: Jifen, shop: Program) -> None:
    engagement.take_part(jf.uow(), jf.clock, shop, TakePart("ANN", False), key("tp"))
    for task in ("task.share-photo", "task.store-check-in"):
        with pytest.raises(InvalidInput) as refused:
            record_activity(jf.uow(), jf.clock, jf.rulebooks, shop,
                            RecordActivity("ANN", task, {"reference": ""}), key("a"))  # fmt: skip
        assert refused.value.code.value == "unknown_activity_type"
    assert tasks_recorded(jf) == 0
    assert balances(jf, shop, "ANN") == (SIGN_UP, 0, 0)


def test_each_task_is_proven_its_own_way(jf: Jifen, shop: Program, clock: FakeClock) -> None:
    secret = engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "t").secret
    other = engagement.add_source(jf.uow(), jf.clock, shop, "xhs", "t").secret
    with pytest.raises(RuleViolation) as by_api:  # a share is the platform's to say
        engagement.complete_task(jf.uow(), jf.clock, jf.rulebooks, shop,
                                 CompleteTask("ANN", "share-photo"), key("c"))  # fmt: skip
    assert by_api.value.code.value == "task_proven_elsewhere"
    body = message()
    with pytest.raises(RuleViolation):  # nor another platform's
        receive(jf, shop, headers(other, body, clock), body, "xhs")
    check_in = message(task="store-check-in")
    with pytest.raises(RuleViolation):  # and a check-in is the app's, not a platform's
        receive(jf, shop, headers(secret, check_in, clock, msg="ci"), check_in)
    code = members.get_member(jf.uow(write=False), jf.clock, shop, "BO").member_code
    assert code is not None
    by_card = json.dumps({"type": "task.completed",
                          "data": {"member_code": code, "task": "share-photo"}}).encode()  # fmt: skip
    assert receive(jf, shop, headers(secret, by_card, clock, msg="bo"), by_card).member == "BO"
    assert tasks_recorded(jf) == 1


def test_over_http_a_refused_webhook_is_a_401_problem_and_an_accepted_one_a_200(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    secret = engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "t").secret
    writer = apikeys.create_key(jf.uow(), jf.clock, shop, "app", ["ledger:write"], "t")
    body = message()
    url = "/inbound/fresh-market/weibo"
    with TestClient(create_app(jf)) as client:
        bad = client.post(url, content=body, headers={**headers(secret, body, clock),
                                                      "webhook-signature": "v1,AAAA"})  # fmt: skip
        good = client.post(url, content=body, headers=headers(secret, body, clock))
        again = client.post(url, content=body, headers=headers(secret, body, clock))
        junk = b"[[[not json"
        unread = client.post(url, content=junk, headers=headers(secret, junk, clock, msg="j"))
        # sent as text, the edge does not read it as JSON: the service still refuses it
        plain = {"content-type": "text/plain"}
        deep = b"[" * 5000 + b"]" * 5000
        nested = client.post(
            url, content=deep, headers={**headers(secret, deep, clock, msg="d"), **plain}
        )
        nul = message(member="A\u0000N")  # JSON escapes it; the member would hold a NUL
        with_nul = client.post(
            url, content=nul, headers={**headers(secret, nul, clock, msg="n"), **plain}
        )
        api = client.post("/v1/tasks/store-check-in/completions", json={"member": "BO"},
                          headers={"Authorization": f"Bearer {writer}",
                                   "Idempotency-Key": "ci-1"})  # fmt: skip
        listed = client.get("/v1/tasks", headers={"Authorization": f"Bearer {writer}"})
        schema = client.get("/openapi.json").json()
    assert bad.status_code == 401 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["code"] == "webhook_refused"
    assert good.status_code == 200, good.text
    assert good.json()["points"] == 50
    assert again.json() == good.json() and again.headers["Idempotent-Replayed"] == "true"
    assert unread.status_code in (400, 422)
    assert (nested.status_code, with_nul.status_code) == (422, 422), (nested.text, with_nul.text)
    assert api.status_code == 201 and api.json()["points"] == 5
    assert listed.status_code == 403  # ledger:write does not read members
    answers = schema["paths"]["/inbound/{program}/{source}"]["post"]["responses"]
    assert {"200", "401", "404", "409", "422", "503"} <= set(answers)


def test_the_cli_adds_rotates_and_lists_sources_and_a_clash_is_one_line(
    jf: Jifen, shop: Program, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIFEN_DATABASE_URL", database_url)
    runner = CliRunner()
    added = runner.invoke(cli, ["inbound", "add", "weibo"])
    clash = runner.invoke(cli, ["inbound", "add", "weibo"])
    rotated = runner.invoke(cli, ["inbound", "rotate", "weibo"])
    listed = runner.invoke(cli, ["inbound", "list"])
    assert added.exit_code == 0, added.output
    made = json.loads(added.stdout)
    assert made["secret"].startswith("whsec_") and made["url"] == "/inbound/fresh-market/weibo"
    assert clash.exit_code != 0
    assert clash.stderr.strip().splitlines() == [
        "error: inbound_source_exists: the programme has an inbound source 'weibo'"
    ]
    assert json.loads(rotated.stdout)["secret"] not in (made["secret"], "")
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["name"] == "weibo" and row["previous_until"] is not None
    assert "secret" not in row


def test_earn_more_says_where_the_member_stands_on_each_task(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    def states(member: str) -> dict[str, str]:
        found = engagement.earn_more(jf.uow(write=False), jf.clock, jf.rulebooks, shop, member)
        return {t.task.id: t.state for t in found.tasks}

    assert states("ANN") == {"share-photo": "available", "store-check-in": "available",
                             "write-review": "available"}  # fmt: skip
    engagement.complete_task(jf.uow(), jf.clock, jf.rulebooks, shop,
                             CompleteTask("ANN", "store-check-in"), key("ci"))  # fmt: skip
    engagement.take_part(jf.uow(), jf.clock, shop, TakePart("ANN", False), key("tp"))
    assert states("ANN") == {"share-photo": "opted_out", "store-check-in": "done",
                             "write-review": "opted_out"}  # fmt: skip
    assert states("BO") == {"share-photo": "available", "store-check-in": "available",
                            "write-review": "available"}  # fmt: skip
    clock.advance(days=1)  # a new day: the check-in is open again
    assert states("ANN")["store-check-in"] == "available"
    found = engagement.earn_more(jf.uow(write=False), jf.clock, jf.rulebooks, shop, "BO")
    assert found.campaigns == ()  # the vegetable day is for vegetable lovers
    assert [t.per for t in found.tasks] == ["day", "day", "week"]


def test_the_console_adds_and_rotates_a_source_showing_each_secret_once(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    url, en = "/inbound/fresh-market/weibo", {"Accept-Language": "en"}
    with TestClient(create_app(jf)) as client:
        csrf = console(jf, client)
        empty = client.get("/console/inbound", headers=en)
        added = client.post(
            "/console/inbound", data={"csrf": csrf, "name": "weibo"}, follow_redirects=False
        )
        shown = client.get(added.headers["location"], headers=en)
        secret = re.search(r"whsec_[\w+/=]+", shown.text)
        assert secret is not None, shown.text
        refreshed = client.get(added.headers["location"], headers=en)
        body = message()
        paid = client.post(url, content=body, headers=headers(secret.group(0), body, clock))

        rotated = client.post(
            "/console/inbound/weibo/rotate", data={"csrf": csrf}, follow_redirects=False
        )
        after = client.get(rotated.headers["location"], headers={"Accept-Language": "zh-CN"})
        new = re.search(r"whsec_[\w+/=]+", after.text)
        assert new is not None and new.group(0) != secret.group(0)
        second = message(member="BO")
        old_still = client.post(
            url, content=second, headers=headers(secret.group(0), second, clock, msg="m2")
        )
        clash = client.post("/console/inbound", data={"csrf": csrf, "name": "weibo"}, headers=en)
        bad = client.post("/console/inbound", data={"csrf": csrf, "name": "Wei Bo"}, headers=en)
        newline = client.post("/console/inbound", data={"csrf": csrf, "name": "xhs\n"})
        missing = client.post(
            "/console/inbound/douyin/rotate",
            data={"csrf": csrf},
            headers={"Accept-Language": "zh-CN"},
        )
        listed = client.get("/console/inbound", headers=en)
        clock.advance(hours=25)
        third = message()  # a new day: the share pays again
        old_later = client.post(
            url, content=third, headers=headers(secret.group(0), third, clock, msg="m3")
        )
        new_later = client.post(
            url, content=third, headers=headers(new.group(0), third, clock, msg="m3")
        )

    assert "No task webhooks yet." in empty.text and 'href="/console/inbound"' in empty.text
    assert added.status_code == 303 and rotated.status_code == 303
    assert "/inbound/fresh-market/weibo" in shown.text
    assert secret.group(0) not in refreshed.text and "whsec_" not in refreshed.text
    assert shown.headers["cache-control"] == "no-store"  # nor kept for the Back button
    assert paid.status_code == 200, paid.text
    assert "旧密钥在一天内仍可使用" in after.text
    assert old_still.status_code == 200, old_still.text  # the old secret: a day more
    assert old_later.status_code == 401 and new_later.status_code == 200, new_later.text
    assert clash.status_code == 422 and "There is already a source with this name." in clash.text
    assert bad.status_code == 422 and 'value="Wei Bo"' in bad.text
    assert "name is 1 to 64 lower-case letters, digits, - and _, starting" in bad.text
    assert newline.status_code == 422  # a name is the whole value: no line after it
    assert missing.status_code == 422 and "没有这个来源" in missing.text
    names = [s.name for s in engagement.list_sources(jf.uow(write=False), shop)]
    assert names == ["weibo"]  # the refusals added nothing
    assert "whsec_" not in listed.text  # a secret is never listed


def test_the_task_webhooks_page_is_for_admins_only(jf: Jifen, shop: Program) -> None:
    with TestClient(create_app(jf)) as client:
        csrf = console(jf, client, role="operator")
        assert client.get("/console/inbound").status_code == 403
        refused = client.post("/console/inbound", data={"csrf": csrf, "name": "weibo"})
    assert refused.status_code == 403
    assert engagement.list_sources(jf.uow(write=False), shop) == []


POST = "https://weibo.example/u/ann-the-cook/p/77"
REVIEW = "https://reviews.example/ann-the-cook/fresh-market"


def test_the_export_holds_what_the_member_did_and_an_erasure_removes_their_proofs(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    secret = engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "t").secret
    body = message(reference=POST)
    receive(jf, shop, headers(secret, body, clock), body)
    made = engagement.submit_task(jf.uow(), jf.clock, jf.rulebooks, shop,
                                  SubmitTask("ANN", "write-review", REVIEW), key("s"))  # fmt: skip
    engagement.review_submission(
        jf.uow(), jf.clock, jf.rulebooks, shop,
        ReviewSubmission(made.id, False, "the link is private", "olga"), key("r"),
    )  # fmt: skip
    friend = members.get_member(jf.uow(write=False), jf.clock, shop, "ANN").referral_code
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                     Enrol("CY", email="cy@example.com", referral_code=friend), key("cy"))  # fmt: skip

    found = rights.export_member(jf.uow(write=False), jf.clock, shop, "ANN")
    did = found.engagement
    assert [a["kind"] for a in did["activities"]] == ["sign_up", "task.share-photo"]
    assert did["activities"][1]["payload"] == {"reference": POST}
    assert [
        (p["task_id"], p["reference"], p["status"], p["reason"]) for p in did["task_proofs"]
    ] == [("write-review", REVIEW, "rejected", "the link is private")]
    assert "reviewed_by" not in did["task_proofs"][0]  # staff are not the member's data
    assert did["challenges"] == [] and did["badges"] == []
    assert found.referral == {"referred": None, "friends_joined": 1, "friends_converted": 0,
                              "points_for_friends": 0}  # fmt: skip
    theirs = rights.export_member(jf.uow(write=False), jf.clock, shop, "CY").referral
    assert theirs["referred"]["status"] == "joined"
    assert "ANN" not in json.dumps(theirs)  # who referred them is another member's data
    assert POST in json.dumps(found.engagement) and REVIEW in json.dumps(found.engagement)

    rights.erase_member(jf.uow(), jf.clock, shop, EraseMember("ANN", "test"), key("erase"))

    left = [(t, c) for t, c, v in text_cells(jf) if "ann-the-cook" in v]
    assert left == []  # the proofs named the member on another platform: gone everywhere
    with jf.engine.connect() as conn:
        proofs = conn.execute(text("SELECT reference, status FROM task_submissions")).all()
    assert [tuple(p) for p in proofs] == [("[erased]", "rejected")]
    assert_verified(jf)


def test_an_erasure_touches_no_other_members_records_and_no_export_names_another_member(
    jf: Jifen, shop: Program
) -> None:
    # DAN's proof is a common word, and his display name is someone else's too
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                     Enrol("DAN", email="dan@example.com", display_name="Danny"), key("d"))  # fmt: skip
    made = engagement.submit_task(jf.uow(), jf.clock, jf.rulebooks, shop,
                                  SubmitTask("DAN", "write-review", "earn"), key("s"))  # fmt: skip
    engagement.review_submission(
        jf.uow(), jf.clock, jf.rulebooks, shop,
        ReviewSubmission(made.id, False, "Danny: the link is private", "olga"), key("r"),
    )  # fmt: skip
    code = members.get_member(jf.uow(write=False), jf.clock, shop, "DAN").referral_code
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                     Enrol("CY", email="cy@example.com", display_name="Danny",
                           referral_code=code), key("cy"))  # fmt: skip
    buy(jf, shop, "BO", "b1", "30.00", line("pork", 1, "30.00", "meat"))

    def others() -> list[tuple[str, str, str]]:
        return sorted(
            c for c in text_cells(jf)
            if "DAN" not in c[2] and "earn" in c[2] and c[0] != "task_submissions"
        )  # fmt: skip

    before = others()
    exported = rights.export_member(jf.uow(write=False), jf.clock, shop, "CY")
    assert "DAN" not in json.dumps(exported.engagement)  # his friend's export: not her id
    assert any(a["kind"] == "referral_signed_up" for a in exported.engagement["activities"])

    rights.erase_member(jf.uow(), jf.clock, shop, EraseMember("DAN", "test"), key("erase"))

    assert others() == before  # BO's "earn" entries and events, CY's name: untouched
    named = [(t, c) for t, c, v in text_cells(jf) if re.search(r"\bDAN\b|Danny: ", v)]
    assert named == []  # his id in CY's referral, his name in the reviewer's note: gone
    cy = members.get_member(jf.uow(write=False), jf.clock, shop, "CY")
    assert cy.display_name == "Danny"
    assert_verified(jf)

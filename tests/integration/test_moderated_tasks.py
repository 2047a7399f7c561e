"""Moderated tasks: a member's proof (a review's link) waits for an operator; approval pays
the task once, under its caps; a rejection says why and pays nothing; a review is final.
Through the services and the API, on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import Conflict, InvalidInput, RuleViolation
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.services import engagement
from jifen.services.access import apikeys
from jifen.services.engagement import Enrol, ReviewSubmission, SubmitTask, TakePart
from tests.earning_fixtures import publish
from tests.factories import FakeClock, assert_verified, balances, key

SIGN_UP = 100
LINK = "https://reviews.example/p/42"


@pytest.fixture
def shop(jf: Jifen) -> Program:
    program = publish(jf)
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, program, Enrol("ANN"), key("enrol"))
    return program


def submit(jf: Jifen, program: Program, reference: str = LINK, task: str = "write-review") -> int:
    cmd = SubmitTask("ANN", task, reference)
    return engagement.submit_task(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key("s")).id


def review(jf: Jifen, program: Program, submission: int, approve: bool, reason: str = "") -> str:
    cmd = ReviewSubmission(submission, approve, reason, "console:olga")
    done = engagement.review_submission(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key("r"))
    return done.status


def test_a_proof_pays_only_once_approved_and_a_rejection_says_why(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    first = submit(jf, shop)
    assert balances(jf, shop, "ANN")[0] == SIGN_UP  # nothing until approved
    with pytest.raises(Conflict) as waiting:
        submit(jf, shop, "https://reviews.example/p/43")
    assert waiting.value.code.value == "task_submission_pending"
    with pytest.raises(InvalidInput):
        review(jf, shop, first, False)  # a rejection needs a reason
    assert review(jf, shop, first, False, "the link shows another shop's review") == "rejected"
    with pytest.raises(Conflict) as final:
        review(jf, shop, first, True)
    assert final.value.code.value == "task_submission_reviewed"
    assert balances(jf, shop, "ANN")[0] == SIGN_UP

    second = submit(jf, shop, "https://reviews.example/p/44")
    assert review(jf, shop, second, True) == "approved"
    assert balances(jf, shop, "ANN")[0] == SIGN_UP + 30
    # the week's cap: a second approval this week is recorded and pays nothing
    third = submit(jf, shop, "https://reviews.example/p/45")
    review(jf, shop, third, True)
    assert balances(jf, shop, "ANN")[0] == SIGN_UP + 30
    clock.advance(days=7)
    fourth = submit(jf, shop, "https://reviews.example/p/46")
    review(jf, shop, fourth, True)
    assert balances(jf, shop, "ANN")[0] == SIGN_UP + 60
    with jf.engine.connect() as conn:
        audited = conn.execute(
            text("SELECT COUNT(*) FROM audit_log WHERE action = 'task.review'")
        ).scalar_one()
    assert audited == 4
    assert_verified(jf)


def test_only_a_moderated_task_takes_a_proof_and_an_opted_out_member_none(
    jf: Jifen, shop: Program
) -> None:
    with pytest.raises(RuleViolation) as elsewhere:
        submit(jf, shop, task="store-check-in")
    assert elsewhere.value.code.value == "task_proven_elsewhere"
    with pytest.raises(InvalidInput):
        submit(jf, shop, "   ")
    engagement.take_part(jf.uow(), jf.clock, shop, TakePart("ANN", False), key("tp"))
    with pytest.raises(RuleViolation) as out:
        submit(jf, shop)
    assert out.value.code.value == "social_tasks_opted_out"


def test_the_earn_more_page_says_a_proof_waits_then_shows_a_rejection(
    jf: Jifen, shop: Program
) -> None:
    def state() -> tuple[str, str | None]:
        found = engagement.earn_more(jf.uow(write=False), jf.clock, jf.rulebooks, shop, "ANN")
        t = next(s for s in found.tasks if s.task.id == "write-review")
        return t.state, t.submission.reason if t.submission else None

    assert state() == ("available", None)
    sent = submit(jf, shop)
    assert state() == ("pending_review", None)
    review(jf, shop, sent, False, "no photo of the product")
    assert state() == ("available", "no photo of the product")


def test_the_api_submits_lists_and_reviews_idempotently(jf: Jifen, shop: Program) -> None:
    writer = apikeys.create_key(jf.uow(), jf.clock, shop, "w", ["members:write"], "t")
    reader = apikeys.create_key(jf.uow(), jf.clock, shop, "r", ["members:read"], "t")
    ledger = apikeys.create_key(jf.uow(), jf.clock, shop, "l", ["ledger:write"], "t")
    w = {"Authorization": f"Bearer {writer}", "Idempotency-Key": "sub-1"}
    r = {"Authorization": f"Bearer {reader}"}
    lw = {"Authorization": f"Bearer {ledger}", "Idempotency-Key": "rev-1"}
    with TestClient(create_app(jf)) as client:
        sent = client.post("/v1/tasks/write-review/submissions",
                           json={"member": "ANN", "reference": LINK}, headers=w)  # fmt: skip
        again = client.post("/v1/tasks/write-review/submissions",
                            json={"member": "ANN", "reference": LINK}, headers=w)  # fmt: skip
        queue = client.get("/v1/task-submissions", headers=r).json()
        bad = client.get("/v1/task-submissions?status=maybe", headers=r)
        sid = sent.json()["id"]
        ok = client.post(f"/v1/task-submissions/{sid}/review", json={"approve": True}, headers=lw)
        replay = client.post(f"/v1/task-submissions/{sid}/review", json={"approve": True},
                             headers=lw)  # fmt: skip
        twice = client.post(f"/v1/task-submissions/{sid}/review", json={"approve": True},
                            headers={**lw, "Idempotency-Key": "rev-2"})  # fmt: skip
        missing = client.post("/v1/task-submissions/999/review", json={"approve": True},
                              headers={**lw, "Idempotency-Key": "rev-3"})  # fmt: skip
        empty = client.get("/v1/task-submissions", headers=r).json()
    assert sent.status_code == 201 and sent.json()["status"] == "pending"
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert [s["id"] for s in queue] == [sid]
    assert bad.status_code == 422
    assert ok.status_code == 200 and ok.json()["points"] == 30
    assert replay.headers.get("idempotent-replayed") == "true"
    assert twice.status_code == 409 and twice.json()["code"] == "task_submission_reviewed"
    assert missing.status_code == 404
    assert empty == []
    assert balances(jf, shop, "ANN")[0] == SIGN_UP + 30

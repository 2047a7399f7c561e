"""An operator's adjustment: an internal reason for the audit log, a note for the member.

The member never sees the internal reason: not in the portal's history, not in the
API's views of the member (history, receipts), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.web.portal import SESSION
from jifen.services import members
from jifen.services.access import apikeys
from jifen.services.access import portal_signin as portal_access
from tests.earning_fixtures import join, publish

INTERNAL = "customer shouted at staff, goodwill to calm down"
NOTE = "Sorry for the wait at the till"


def portal_token(jf: Jifen, program: Program, member: str) -> str:
    secret = jf.settings.secret_key
    ticket = portal_access.request_code(jf.uow(), jf.clock, program, member, secret)
    code = portal_access.signin_codes_sent(jf.uow(write=False), jf.clock, program, secret, 1)[0][
        "code"
    ]
    token, _ = portal_access.verify_code(jf.uow(), jf.clock, program, ticket, code, secret)
    return token


def test_the_member_sees_the_note_and_never_the_internal_reason(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    admin = apikeys.create_key(jf.uow(), jf.clock, program, "ops", ["admin"], "test")
    token = portal_token(jf, program, "C-1")
    with TestClient(create_app(jf)) as client:
        auth = {"Authorization": f"Bearer {admin}"}
        with_note = client.post(
            "/v1/members/C-1/adjustments",
            json={"points": 40, "reason": INTERNAL, "note": NOTE},
            headers={**auth, "Idempotency-Key": "adj-1"},
        )
        without_note = client.post(
            "/v1/members/C-1/adjustments",
            json={"points": -5, "reason": INTERNAL + " (again)"},
            headers={**auth, "Idempotency-Key": "adj-2"},
        )
        entries = client.get("/v1/members/C-1/entries", headers=auth)
        client.cookies.set(SESSION, token)
        portal = client.get("/portal/history", headers={"Accept-Language": "en"})
        home = client.get("/portal/", headers={"Accept-Language": "en"})

    assert with_note.status_code == 201, with_note.text
    assert without_note.status_code == 201, without_note.text
    for seen in (with_note.text, without_note.text, entries.text, portal.text, home.text):
        assert INTERNAL not in seen
    assert NOTE in portal.text
    reasons = [item["reason"] for item in entries.json()["items"]]
    assert reasons == [None, NOTE]


def test_the_internal_reason_is_kept_in_the_audit_log_only(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    admin = apikeys.create_key(jf.uow(), jf.clock, program, "ops", ["admin"], "test")
    with TestClient(create_app(jf)) as client:
        client.post(
            "/v1/members/C-1/adjustments",
            json={"points": 40, "reason": INTERNAL, "note": NOTE},
            headers={"Authorization": f"Bearer {admin}", "Idempotency-Key": "adj-1"},
        )
    with jf.engine.connect() as conn:
        audit = conn.execute(
            text("SELECT actor, target, detail FROM audit_log WHERE action = 'points.adjust'")
        ).one()
        in_entries = conn.execute(text("SELECT reason FROM entries")).scalars().all()
    detail = audit.detail if isinstance(audit.detail, dict) else json.loads(audit.detail)
    assert (audit.actor, audit.target) == ("apikey:ops", "C-1")
    assert (detail["reason"], detail["note"], detail["points"]) == (INTERNAL, NOTE, 40)
    assert in_entries == [NOTE]
    history = members.history(jf.uow(write=False), program, "C-1", None, 10)
    assert [i.reason for i in history.items] == [NOTE]

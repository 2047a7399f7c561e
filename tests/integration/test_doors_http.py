"""The doors over HTTP: /v1/apikeys for admins, revocation seen by every process within a
second, the console's keys page (POST-redirect-GET), the portal's answers alike for anyone."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.web.console.session import SESSION as CONSOLE
from jifen.services import access, members
from jifen.services.access import operators
from jifen.services.members.commands import CreateMember
from tests.earning_fixtures import publish
from tests.factories import key

PASSWORD = "correct horse battery"


def bearer(k: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {k}"}


def test_an_admin_key_lists_revokes_and_rotates_keys(jf: Jifen, program: Program) -> None:
    admin = access.create_key(jf.uow(), jf.clock, program, "ops", ["admin"], "test")
    pos = access.create_key(jf.uow(), jf.clock, program, "pos", ["ledger:write"], "test")
    with TestClient(create_app(jf)) as client:
        listed = client.get("/v1/apikeys", headers=bearer(admin)).json()["items"]
        assert [(k["name"], k["active"]) for k in listed] == [("ops", True), ("pos", True)]
        assert "secret_hash" not in listed[0]
        pos_id = listed[1]["id"]

        rotated = client.post(f"/v1/apikeys/{pos_id}/rotate", headers=bearer(admin))
        assert rotated.status_code == 200
        new = rotated.json()
        assert new["key"].startswith("jf_") and new["scopes"] == ["ledger:write"]
        again = client.post(f"/v1/apikeys/{pos_id}/rotate", headers=bearer(admin))
        assert again.status_code == 409
        assert again.json()["code"] == "apikey_revoked"
        assert again.json()["params"]["replaced_by"] == new["id"]

        revoked = client.post(f"/v1/apikeys/{new['id']}/revoke", headers=bearer(admin))
        assert revoked.json()["active"] is False
        assert client.get("/v1/apikeys", headers=bearer(pos)).status_code == 401
        assert client.get("/v1/apikeys", headers=bearer(new["key"])).status_code == 401


def test_only_the_admin_scope_manages_keys_and_bad_ids_are_4xx(jf: Jifen, program: Program) -> None:
    admin = access.create_key(jf.uow(), jf.clock, program, "ops", ["admin"], "test")
    writer = access.create_key(jf.uow(), jf.clock, program, "pos", ["ledger:write"], "test")
    with TestClient(create_app(jf)) as client:
        assert client.get("/v1/apikeys", headers=bearer(writer)).status_code == 403
        assert client.get("/v1/apikeys").status_code == 401
        missing = client.post("/v1/apikeys/999/revoke", headers=bearer(admin))
        assert (missing.status_code, missing.json()["code"]) == (404, "apikey_not_found")
        for bad in (str(2**63), "0", "x", "99999999999999999999"):
            answer = client.post(f"/v1/apikeys/{bad}/revoke", headers=bearer(admin))
            assert 400 <= answer.status_code < 500, bad


def test_a_revoked_key_stops_within_a_second_on_every_process(jf: Jifen, program: Program) -> None:
    """Given two server processes (two apps, two caches) that have both seen a key, when one
    revokes it, both refuse it a second later."""
    reader = access.create_key(jf.uow(), jf.clock, program, "r", ["members:read"], "test")
    admin = access.create_key(jf.uow(), jf.clock, program, "ops", ["admin"], "test")
    reader_id = access.authenticate(jf.uow(write=False), reader).key_id
    with TestClient(create_app(jf)) as one, TestClient(create_app(jf)) as two:
        for client in (one, two):
            assert client.get("/v1/members/nobody", headers=bearer(reader)).status_code == 404
        one.post(f"/v1/apikeys/{reader_id}/revoke", headers=bearer(admin))
        time.sleep(1.05)
        for client in (one, two):
            assert client.get("/v1/members/nobody", headers=bearer(reader)).status_code == 401


def console(jf: Jifen, client: TestClient, role: str = "admin") -> str:
    operators.create_operator(
        jf.uow(), jf.clock, jf.passwords, "root", "Root", role, PASSWORD, "test"
    )
    token, session, _ = operators.sign_in(
        jf.uow(), jf.clock, jf.passwords, "root", PASSWORD, jf.settings.secret_key
    )
    client.cookies.set(CONSOLE, token)
    return session.csrf


def test_a_console_rotation_shows_the_key_once_and_a_refresh_does_not_rotate_again(
    jf: Jifen, program: Program
) -> None:
    access.create_key(jf.uow(), jf.clock, program, "pos", ["ledger:write"], "test")
    with TestClient(create_app(jf)) as client:
        csrf = console(jf, client)
        page = client.get("/console/apikeys", headers={"Accept-Language": "en"})
        assert page.status_code == 200 and "pos" in page.text
        key_id = access.list_keys(jf.uow(write=False), program)[0].id

        posted = client.post(
            f"/console/apikeys/{key_id}/rotate", data={"csrf": csrf}, follow_redirects=False
        )
        assert posted.status_code == 303
        shown = client.get(posted.headers["location"], headers={"Accept-Language": "en"})
        new = re.search(r"jf_[0-9a-f]{12}_[\w-]+", shown.text)
        assert new is not None
        assert access.authenticate(jf.uow(write=False), new.group(0)).name == "pos"

        refreshed = client.get(posted.headers["location"], headers={"Accept-Language": "en"})
        assert new.group(0) not in refreshed.text
        assert len(access.list_keys(jf.uow(write=False), program)) == 2  # one rotation only
        revoked = client.post(
            f"/console/apikeys/{key_id}/revoke", data={"csrf": csrf}, follow_redirects=False
        )
        assert revoked.status_code == 303


def test_the_keys_page_is_for_admins_only(jf: Jifen, program: Program) -> None:
    with TestClient(create_app(jf)) as client:
        console(jf, client, role="operator")
        assert client.get("/console/apikeys").status_code == 403


def test_the_portal_answers_a_member_and_a_stranger_alike_and_no_faster_than_its_floor(
    jf: Jifen,
) -> None:
    program = publish(jf)
    members.create_member(
        jf.uow(), jf.clock, program, CreateMember("C-1", email="ana@example.com"), key("join")
    )
    floor = jf.settings.signin_floor_ms / 1000
    with TestClient(create_app(jf)) as client:
        answers = []
        for contact in ["C-1", "nobody"] * 6:  # the sixth of each is past the contact limit
            client.get("/portal/sign-in")
            csrf = client.cookies.get("jifen_csrf")
            started = time.monotonic()
            answer = client.post(
                "/portal/sign-in",
                data={"contact": contact, "csrf": csrf},
                headers={"Accept-Language": "en"},
                follow_redirects=False,
            )
            took = time.monotonic() - started
            assert took >= floor
            body = answer.text.replace(contact, "CONTACT")
            location = answer.headers.get("location", "").replace(contact, "CONTACT")
            answers.append((answer.status_code, location, len(body), sorted(answer.cookies)))
        assert answers[0::2] == answers[1::2]
        assert answers[0][0] == 303 and answers[-1][0] == 422

"""A balance that disagrees with its lots: refused with 409 ``ledger_inconsistent``, an
alert in the log, and nothing written.

Given a member whose cached balance was tampered with (it promises points the lots do
not hold), when a debit needs those points, the ledger refuses rather than guess.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.services.access import apikeys
from tests.e2e.test_bad_input import PROBLEM, snapshot
from tests.factories import key, make_member

pytestmark = pytest.mark.e2e


def test_a_debit_beyond_the_lots_is_refused_with_409_and_an_alert(
    jf: Jifen, program: Program, caplog: pytest.LogCaptureFixture
) -> None:
    make_member(jf, program, "C-1", points=100)
    with jf.engine.begin() as conn:  # the cached balance now promises 300
        conn.execute(text("UPDATE members SET available = 300 WHERE external_id = 'C-1'"))
    secret = apikeys.create_key(jf.uow(), jf.clock, program, "ops", ["admin"], "test")
    auth = {"Authorization": f"Bearer {secret}", "Idempotency-Key": key("debit")}
    with TestClient(create_app(jf), raise_server_exceptions=False) as http:
        before = snapshot(jf)
        with caplog.at_level(logging.ERROR, logger="jifen.ledger"):
            r = http.post(
                "/v1/members/C-1/adjustments",
                json={"points": -250, "reason": "a debit the lots cannot pay"},
                headers=auth,
            )
        after = snapshot(jf)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == "ledger_inconsistent"
    assert r.json()["params"]["member"] == "C-1"
    assert after == before, "a refused debit changed the database"
    alerts = [x for x in caplog.records if x.name == "jifen.ledger" and x.levelno == logging.ERROR]
    assert len(alerts) == 1, "one alert per inconsistency"
    assert "ledger_inconsistent" in alerts[0].getMessage()

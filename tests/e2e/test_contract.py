"""The OpenAPI document is the truth: schemathesis sends each operation generated requests,
valid and not, and fails on any 5xx, on a status the document does not declare, and on an
answer of a content type it does not declare.

In-process (ASGI), on SQLite and PostgreSQL, with the fresh-market programme, a member with
points and an admin key. The operations come from the document, so routes added later
(API keys, exports, erasure) are covered without touching this file. Bounded: at most
``EXAMPLES`` generated requests per operation and phase, about a minute per database.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.entrypoints.api.app import create_app
from jifen.services.access import apikeys
from tests.earning_fixtures import publish
from tests.factories import key, make_member

pytestmark = pytest.mark.e2e

EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def admin_key(jf: Jifen) -> str:
    program = publish(jf)
    make_member(jf, program, "C-1", points=1000)
    return apikeys.create_key(jf.uow(), jf.clock, program, "contract", ["admin"], "test")


@pytest.fixture
def app(jf: Jifen) -> FastAPI:
    return create_app(jf)


# The document alone (no database is touched to make it); each test sends its cases to the
# app of its own database. (schemathesis.pytest.from_fixture would say this more directly,
# but reads a private attribute that pytest 9 no longer has.)
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(bootstrap(Settings(database_url="sqlite://")))
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_only_what_the_document_declares(
    case: Any, app: FastAPI, admin_key: str
) -> None:
    headers = {"Authorization": f"Bearer {admin_key}", "Idempotency-Key": key("contract")}
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)

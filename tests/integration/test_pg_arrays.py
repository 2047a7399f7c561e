"""Arrays sent to PostgreSQL as literals (``adapters.db.arrays``) come back as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from jifen.adapters.db.arrays import int_array, text_array, time_array
from jifen.bootstrap import Jifen

pytestmark = pytest.mark.postgres

AWKWARD = [
    "",
    "NULL",
    "null",
    "a,b",
    "{x}",
    'say "hi"',
    "back\\slash",
    "\\",
    '"',
    " pad ",
    "鸡蛋",
    "\t\n",
]


def sent(jf: Jifen, literal: str, kind: str) -> list[object]:
    with jf.engine.connect() as conn:
        return list(conn.execute(text(f"SELECT CAST(:a AS {kind}[])"), {"a": literal}).scalar_one())


def test_any_text_comes_back_as_it_was(pg_jf: Jifen) -> None:
    assert sent(pg_jf, text_array([*AWKWARD, None]), "text") == [*AWKWARD, None]
    assert sent(pg_jf, text_array([]), "text") == []


# the fixture's database is only read: nothing to reset between examples
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
    )
)
def test_generated_text_comes_back_as_it_was(pg_jf: Jifen, values: list[str]) -> None:
    assert sent(pg_jf, text_array(values), "text") == values


def test_ids_and_times_come_back_as_they_were(pg_jf: Jifen) -> None:
    assert sent(pg_jf, int_array([1, -2, 2**62]), "bigint") == [1, -2, 2**62]
    shanghai = timezone(timedelta(hours=8))
    times = [
        datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=shanghai),
        datetime(2000, 1, 1, tzinfo=UTC),
    ]
    assert sent(pg_jf, time_array(times), "timestamptz") == times

"""The database adapters' own conversions give what SQLAlchemy's would."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from jifen.adapters.db.engine import json_bytes, json_text
from jifen.adapters.db.types import UTCDateTime, sqlite_utc_text

SQLITE = sqlite.dialect()
THROUGH_SQLALCHEMY = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 30), timezones=OFFSETS)
)
def test_an_aware_time_is_stored_on_sqlite_as_sqlalchemy_stores_it(value: datetime) -> None:
    assert THROUGH_SQLALCHEMY is not None
    assert sqlite_utc_text(value) == THROUGH_SQLALCHEMY(value)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        sqlite_utc_text(datetime(2026, 1, 1))
    assert sqlite_utc_text(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01 00:00:00.000000"


@pytest.mark.parametrize(
    "value",
    [
        {"points": 5, "name": "鸡蛋", "tags": ["a"], "nested": {"x": None, "y": 1.5}},
        {1: "an int key", "b": True},
        {"huge": 2**70, "small": -(2**63)},  # past 64 bits: json.dumps writes it
        [],
    ],
)
def test_a_json_column_gets_what_json_dumps_means(value: object) -> None:
    as_json = json.loads(json.dumps(value))
    assert json.loads(json_text(value)) == as_json
    assert json.loads(json_bytes(value)) == as_json


def test_what_json_dumps_refuses_is_still_refused() -> None:
    with pytest.raises(TypeError):
        json_text({"a": object()})

"""Stored responses survive the round trip; keys and fingerprints are strict."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum

import pytest

from jifen.domain.errors import InvalidRequest
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.idempotency import decode, encode, fingerprint, require_key
from jifen.services.ledger.commands import Earn, Redeem
from jifen.services.ledger.views import Receipt
from jifen.services.members.views import MemberView


def test_a_receipt_decodes_to_what_was_encoded() -> None:
    receipt = Receipt(
        "C-1",
        "hold",
        -30,
        (4, 5),
        70,
        0,
        30,
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        9,
        "active",
        {"x": 1},
    )
    assert decode(Receipt, encode(receipt)) == receipt


def test_a_member_view_with_a_birthday_round_trips() -> None:
    view = MemberView(
        "C-1",
        "active",
        None,
        "a@b.c",
        date(1990, 5, 17),
        {"tier": "gold"},
        1,
        2,
        3,
        4,
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert decode(MemberView, encode(view)) == view


def test_fingerprints_differ_by_command_type_and_content() -> None:
    assert fingerprint(Earn("C-1", 10)) == fingerprint(Earn("C-1", 10))
    assert fingerprint(Earn("C-1", 10)) != fingerprint(Earn("C-1", 11))
    assert fingerprint(Earn("C-1", 10)) != fingerprint(Redeem("C-1", 10))


@pytest.mark.parametrize("bad", [None, "", "   ", "x" * 256, "tab\there"])
def test_missing_or_malformed_keys_are_refused(bad: str | None) -> None:
    with pytest.raises(InvalidRequest):
        require_key(bad)


def _as_json_would(obj: object) -> object:
    """What stored responses and fingerprints were built from before: asdict, then JSON."""

    def plain(value: object) -> object:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, Enum):
            return value.value
        raise TypeError(type(value).__name__)

    return json.loads(json.dumps(dataclasses.asdict(obj), default=plain))  # type: ignore[call-overload]


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 2


@dataclasses.dataclass(frozen=True)
class Inner:
    when: datetime
    day: date
    price: Decimal
    colour: Colour
    size: Size


@dataclasses.dataclass(frozen=True)
class Outer:
    inner: Inner
    items: tuple[Inner, ...]
    table: dict[object, object]
    ratio: float
    flag: bool
    nothing: None


def test_encoding_gives_what_asdict_and_json_gave() -> None:
    inner = Inner(
        datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
        date(2026, 3, 1),
        Decimal("12.50"),
        Colour.RED,
        Size.BIG,
    )
    outer = Outer(
        inner,
        (inner, inner),
        {"a": [1, (2, 3)], 4: "four", True: None, Colour.RED: {"x": Decimal("1")}},
        0.25,
        False,
        None,
    )
    assert encode(outer) == _as_json_would(outer)
    # microseconds, another offset, a naive time; an integer beyond 64 bits (orjson's
    # limit: walked in Python instead)
    shanghai = timezone(timedelta(hours=8))
    for when in (datetime(2026, 3, 1, 20, 30, 15, 123, tzinfo=shanghai), datetime(2026, 3, 1)):
        odd = dataclasses.replace(inner, when=when)
        assert encode(odd) == _as_json_would(odd)
    huge = dataclasses.replace(outer, table={10**30: [10**40, -(10**25)]})
    assert encode(huge) == _as_json_would(huge)
    assert encode(huge)["table"] == {str(10**30): [10**40, -(10**25)]}
    order = PlaceOrder(
        "o-1",
        "C-1",
        "12.50",
        (LineIn("eggs", 2, "6.25", "dairy", ("daily_special",)),),
        datetime(2026, 3, 1, 12, tzinfo=UTC),
        attributes={"coupon": ["A", 1]},
    )
    assert encode(order) == _as_json_would(order)
    assert (
        fingerprint(order)
        == hashlib.sha256(
            json.dumps(["PlaceOrder", _as_json_would(order)], sort_keys=True).encode()
        ).hexdigest()
    )

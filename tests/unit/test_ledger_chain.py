"""The chain's encoding (``jifen.entry.v1``) and anchors, pure."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jifen.domain.errors import InvalidInput
from jifen.domain.ledger.chain import (
    ChainedEntry,
    ChainedLot,
    anchor_text,
    encode,
    entry_hash,
    read_anchor,
)

AT = datetime(2026, 3, 1, 4, 0, 0, 123456, tzinfo=UTC)
LOT = ChainedLot(300, 0, AT, AT + timedelta(days=365), "order", "o-1", "base", None, AT)
OTHER = replace(LOT, amount=50, rule_id="spend-200")
ENTRY = ChainedEntry(7, "earn", 350, 350, 0, 0, "o-1", None, AT, (LOT, OTHER), ((11, 5),))
#: v1 is frozen: a change here breaks every chain already written
GOLDEN = "710f6cf2d8e41f2c22779df3cfc4a79eeda670e6ecec0c9c174561501e7cab16"


def test_the_v1_encoding_of_an_entry_is_frozen() -> None:
    assert encode(None, ENTRY).startswith(b'["jifen.entry.v1",null,7,"earn",350,350,0,0,"o-1"')
    assert b'"2026-03-01T04:00:00.123456Z"' in encode(None, ENTRY)
    assert entry_hash(None, ENTRY) == GOLDEN


def test_lots_and_draws_hash_the_same_in_any_order() -> None:
    turned = replace(ENTRY, lots=(OTHER, LOT), draws=tuple(reversed(ENTRY.draws)))
    assert entry_hash("a" * 64, turned) == entry_hash("a" * 64, ENTRY)


def test_a_naive_instant_is_read_as_utc() -> None:
    naive = replace(ENTRY, created_at=AT.replace(tzinfo=None))
    shanghai = replace(ENTRY, created_at=AT.astimezone(datetime.now().astimezone().tzinfo))
    assert entry_hash(None, naive) == entry_hash(None, ENTRY) == entry_hash(None, shanghai)


def _changed(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, tuple) and value and isinstance(value[0], ChainedLot):
        return (replace(value[0], amount=value[0].amount + 1), *value[1:])
    return ((12, 5),)


@pytest.mark.parametrize("name", [f.name for f in fields(ChainedEntry)])
def test_every_field_of_an_entry_is_in_its_hash(name: str) -> None:
    if name == "hold":
        changed = replace(ENTRY, hold=(10, AT, None))
    else:
        changed = replace(ENTRY, **{name: _changed(getattr(ENTRY, name))})
    assert entry_hash(None, changed) != entry_hash(None, ENTRY)


@pytest.mark.parametrize("name", [f.name for f in fields(ChainedLot)])
def test_every_field_of_a_lot_is_in_its_entrys_hash(name: str) -> None:
    lot = replace(LOT, **{name: _changed(getattr(LOT, name))})
    assert entry_hash(None, replace(ENTRY, lots=(lot, OTHER))) != entry_hash(None, ENTRY)


def test_the_previous_hash_is_in_the_hash() -> None:
    assert entry_hash(None, ENTRY) != entry_hash("0" * 64, ENTRY)


def test_an_anchor_reads_back_the_heads_it_was_written_with() -> None:
    heads = {3: (2, "b" * 64), 1: (5, "a" * 64)}
    assert read_anchor(anchor_text(heads, AT)) == heads


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{}",
        "[" * 50_000,
        '{"format": "jifen.anchor.v1", "heads": [[1, 0, "x"]], "digest": ""}',
        anchor_text({1: (5, "a" * 64)}, AT).replace('"a', '"b', 1),
    ],
)
def test_an_anchor_damaged_or_edited_is_unreadable(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        read_anchor(text)
    assert err.value.code == "anchor_unreadable"

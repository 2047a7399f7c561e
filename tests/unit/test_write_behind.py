"""A write-behind batch never takes a kept write for nothing: every field is written.

``flush()`` writes nothing when the batch says it is empty. Each field of
``Kept`` is tried alone here: the batch must say it is not empty, and
``flush()`` must hand it, whole, to ``earning.write_batch`` (that every field reaches
its table, on both databases, is ``tests/integration/test_batch_writes.py``).
A field added to ``Kept`` without a sample below fails its own case.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import pytest

from jifen.domain.earning import Usage
from jifen.domain.ledger import EntryKind, LotSource, NewLot, Posting
from jifen.domain.tiers import Stats, TierState
from jifen.services.challenges import Progress
from jifen.services.earning import WriteBehind
from jifen.services.earning.ports import NewOrderRecord
from jifen.services.earning.write_behind.kept import Kept
from jifen.services.tiers.ports import TierChange

PROGRAM = 3
AT = datetime(2026, 3, 2, 4, tzinfo=UTC)
CREDIT = Posting(
    member_id=7,
    kind=EntryKind.EARN,
    amount=5,
    delta_available=5,
    new_lots=(
        NewLot(amount=5, available_at=AT, expires_at=None, pending=False, source=LotSource.ORDER),
    ),
)
ORDER = NewOrderRecord(
    program_id=PROGRAM,
    member_id=7,
    order_id="O-1",
    version=1,
    placed_at=AT,
    paid=500,
    entry_id=11,
    snapshot={},
    award={},
    created_at=AT,
)
CHANGE = TierChange(
    from_tier=None, to_tier="gold", reason="qualified", actor=None, detail={}, at=AT
)


#: a value for each field of ``Kept``
SAMPLES: dict[str, Any] = {
    "credits": [(11, CREDIT, AT)],
    "events": [("points.earned", {"n": 1}, AT)],
    "orders": [ORDER],
    "spends": [(11, "c", "r", 0, 5)],
    "responses": {"k": {"ok": 1}},
    "months": {(7, 202603): Stats(500, 5, 1)},
    "usage": {(7, "r", "2026-W10"): Usage(5, 1)},
    "counted": {7: (2, 900, AT)},
    "tiers": {7: ("gold", TierState(earned="gold"), AT)},
    "tier_changes": [(7, CHANGE)],
    "progress": {
        (7, "c", "all"): (
            1,
            Progress(challenge_id="c", round="all", tally={"": 1}, value=1, updated_at=AT),
        )
    },
    "scores": {(7, "b", "month:2026-03", ""): (1, 5, False, AT)},
    "counts": {(1, "b", "month:2026-03", "", 0, 5): 1},
}


class Recorder:
    """A repository that records each call as (``repository.method``, arguments)."""

    def __init__(self, name: str, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
        self.name = name
        self.calls = calls

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any) -> None:
            self.calls.append((f"{self.name}.{method}", args))

        return call


class RecordingWork:
    """The unit of work a batch wraps, reduced to what ``flush()`` writes to."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        for name in ("ledger", "earning", "tiers", "outbox", "idempotency"):
            setattr(self, name, Recorder(name, self.calls))


@pytest.mark.parametrize("name", [f.name for f in fields(Kept)])
def test_a_batch_keeping_one_field_alone_is_not_empty_and_flush_writes_it(name: str) -> None:
    assert name in SAMPLES, f"Kept.{name} has no sample here: add one, and how flush writes it"
    sample = SAMPLES[name]
    inner = RecordingWork()
    wb = WriteBehind(inner, PROGRAM)  # type: ignore[arg-type]
    # given a batch that keeps one value in this field and nothing else
    setattr(wb.kept, name, sample)
    # then it is not empty
    assert wb.kept
    # when it is flushed
    wb.flush()
    # then the value went to the batch writer, and nothing is kept
    assert [(c, args[0]) for c, args in inner.calls] == [("earning.write_batch", PROGRAM)]
    assert getattr(inner.calls[0][1][1], name) == sample
    assert not wb.kept


def test_an_empty_batch_writes_nothing() -> None:
    inner = RecordingWork()
    wb = WriteBehind(inner, PROGRAM)  # type: ignore[arg-type]
    assert not wb.kept
    wb.flush()
    assert inner.calls == []

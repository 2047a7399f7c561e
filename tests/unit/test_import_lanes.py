"""Splitting an import's rows into lanes by member (``imports.lanes``)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from jifen.services import imports
from jifen.services.imports import Begun, ImportFile, ImportSummary, Lane, Rejected
from jifen.services.imports.lanes import lane_of
from jifen.services.imports.ports import ImportCounts, ImportRecord


@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=50), st.integers(2, 8))
def test_every_member_is_in_exactly_one_lane(members: list[str], count: int) -> None:
    for member in members:
        holders = [lane for lane in imports.lanes(count) if lane.holds(member)]
        assert holders == [Lane(lane_of(member, count), count)]


def test_the_split_is_the_same_on_every_run_and_machine() -> None:
    # CRC-32 (pinned here), not Python's hash() of a string, which each process salts
    assert [lane_of(f"M{n:07d}", 2) for n in range(1, 9)] == [1, 1, 1, 2, 2, 2, 2, 1]
    assert lane_of("C-1", 4) == 1 + 0xFC69B05E % 4
    spread = Counter(lane_of(f"M{n:07d}", 3) for n in range(3000))
    assert set(spread) == {1, 2, 3} and min(spread.values()) > 900


def test_a_row_without_a_member_goes_to_the_first_lane() -> None:
    assert Lane(1, 3).holds(None) and not Lane(2, 3).holds(None)


def test_each_lane_keeps_its_checkpoint_under_the_files_fingerprint() -> None:
    file = ImportFile("a" * 64, "orders.jsonl", 10)
    assert Lane(1, 1).checkpoint(file) == file
    assert Lane(2, 4).checkpoint(file) == ImportFile("a" * 64 + "#2/4", "orders.jsonl", 10)
    assert len(Lane(8, 8).checkpoint(file).fingerprint) <= 80  # the column's width


def record(fingerprint: str, last_line: int) -> ImportRecord:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return ImportRecord(1, fingerprint, "f", last_line, ImportCounts(), at, None)


def test_an_import_resumes_after_the_line_every_lane_has_passed() -> None:
    assert Begun(2, (record("x#1/2", 40), record("x#2/2", 37))).resumed_after == 37
    assert Begun(3, (record("x#1/3", 40), record("x#2/3", 37))).resumed_after == 0


def test_the_lanes_summaries_add_up() -> None:
    a = ImportSummary(3, 1, 1, 30, rows=5, resumed_after=4, last_line=20, batches_redone=1)
    a.examples.append(Rejected(9, "o9", "bad"))
    b = ImportSummary(2, 0, 1, 25, rows=3, resumed_after=2, last_line=18)
    b.examples.append(Rejected(4, "o4", "bad"))
    total = imports.merged([a, b], 1.5)
    assert (total.imported, total.skipped_existing, total.rejected, total.points) == (5, 1, 2, 55)
    assert (total.rows, total.resumed_after, total.last_line) == (8, 2, 18)
    assert total.batches_redone == 1 and total.seconds == 1.5
    assert [x.line for x in total.examples] == [4, 9]


def test_a_member_id_json_lets_through_but_utf_8_cannot_encode_still_has_a_lane() -> None:
    # json.loads('"a\\ud800"') is a lone surrogate: the row is rejected later, by its lane
    assert lane_of("a\ud800", 2) in (1, 2)
    assert sum(lane.holds("a\ud800") for lane in imports.lanes(3)) == 1

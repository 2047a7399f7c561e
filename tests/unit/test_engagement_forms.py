"""The console's forms keep what the file says when an entry is saved unchanged.

A datetime-local input has no seconds and no offset, a list field is separated by
commas (an item may hold a space), a board's metric, period and scope are set once, and
a board with more prizes than the three empty rows a new form shows keeps them all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from jifen.entrypoints.web.console.engagement_forms import (
    BoardForm,
    ChallengeForm,
    TaskForm,
    board_entry,
    challenge_entry,
    form_values,
    task_entry,
)

FORM = {"csrf": "t", "base": 1, "new": False}


def _sent(part: str, entry: dict[str, Any]) -> dict[str, Any]:
    """What the browser sends back for the form of ``entry``, untouched."""
    v = form_values(part, entry)
    if part == "leaderboards":
        v["prize_ranks"] = [str(r) for r, _ in v["prizes"]]
        v["prize_points"] = [str(p) for _, p in v["prizes"]]
        del v["prizes"]
    return {**FORM, **{k: str(x) if isinstance(x, int) else x for k, x in v.items()}}


def test_a_task_saved_unchanged_keeps_its_offsets_seconds_and_lists() -> None:
    task = {
        "id": "share", "kind": "share", "name": {"en": "Share"}, "points": 50,
        "proof": "webhook", "sources": ["weibo", "little red book"],
        "caps": [{"per": "day", "max_times": 1}, {"per": "week", "max_points": 200}],
        "window": {"starts": datetime(2026, 12, 1, tzinfo=UTC),
                   "ends": datetime(2026, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=8))),
                   "weekdays": [6, 7]},
    }  # fmt: skip
    again = task_entry(TaskForm.model_validate(_sent("tasks", task)), task)
    assert again == task


def test_a_challenge_saved_unchanged_keeps_items_with_spaces() -> None:
    challenge = {
        "id": "fruit", "name": {"zh-CN": "水果"}, "counts": "orders", "goal": 3,
        "match": {"categories": ["fresh fruit"], "tags": ["new arrival", "organic"]},
        "period": "month", "points": 100,
    }  # fmt: skip
    again = challenge_entry(ChallengeForm.model_validate(_sent("challenges", challenge)), challenge)
    assert again == challenge
    moved = {**_sent("challenges", challenge), "starts": "2026-12-01T09:30"}
    assert challenge_entry(ChallengeForm.model_validate(moved), challenge)["starts"] == datetime(
        2026, 12, 1, 9, 30
    )


def test_a_board_keeps_what_it_counts_and_every_prize() -> None:
    board = {
        "id": "top", "name": {"en": "Top"}, "metric": "points", "period": "month",
        "scope": "programme", "size": 10,
        "prizes": [{"ranks": str(n), "points": 100 - n} for n in range(1, 6)],
    }  # fmt: skip
    sent = _sent("leaderboards", board)
    assert len(sent["prize_ranks"]) == 6  # five, and one empty row to add a sixth
    sent |= {"metric": "counter", "period": "week", "scope": "city"}  # posted anyway
    again = board_entry(BoardForm.model_validate(sent), board)
    assert again == board

"""Tasks, challenges, badges and leaderboards edited one entry at a time (ADR 0036).

Given the fresh market on SQLite and PostgreSQL, each edit publishes the next version
whose rules then hold it; an edit made from a version another replaced is refused; the
same new entry sent twice publishes once; an id taken, an entry not there, a list that
is not one of the four, and a change the programme refuses (a badge still used) are
refused and publish nothing.
"""

from __future__ import annotations

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.error_codes import ProgramCode
from jifen.domain.errors import Conflict, InvalidInput, JifenError, NotFound
from jifen.services import programs
from tests.earning_fixtures import publish

TASK = {"id": "answer-survey", "kind": "survey", "name": {"en": "Answer our survey"},
        "points": 10, "proof": "automatic", "caps": [{"per": "lifetime", "max_times": 1}]}  # fmt: skip


def _put(jf: Jifen, program: object, part: str, entry: dict, base: int, new: bool) -> int:
    return programs.put_part(
        jf.uow(), jf.clock, jf.compile, jf.editor, program, part, entry, "test",  # type: ignore[arg-type]
        base_version=base, new=new,
    )  # fmt: skip


def test_an_entry_added_changed_and_removed_is_each_time_the_next_version(jf: Jifen) -> None:
    program = publish(jf)
    found = programs.parts_of(jf.uow(write=False), jf.editor, program)
    assert found.version == 1 and found.get("tasks", "write-review") is not None
    assert [b["id"] for b in found.lists["badges"]] == ["veg-lover", "explorer", "regular"]
    assert _put(jf, program, "tasks", TASK, 1, new=True) == 2
    assert _put(jf, program, "tasks", TASK, 2, new=True) == 2  # sent twice: once
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, program)
    assert rules is not None and rules.tasks["answer-survey"].points == 10
    assert _put(jf, program, "tasks", {**TASK, "points": 15}, 2, new=False) == 3
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, program)
    assert rules is not None and rules.tasks["answer-survey"].points == 15
    version = programs.remove_part(
        jf.uow(), jf.clock, jf.compile, jf.editor, program, "tasks", "answer-survey", "test",
        base_version=3,
    )  # fmt: skip
    assert version == 4
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, program)
    assert rules is not None and "answer-survey" not in rules.tasks
    source = programs.version_source(jf.uow(write=False), program, 4)
    assert "# 每周首次消费双倍积分" in source


def test_refused_edits_publish_nothing(jf: Jifen) -> None:
    program = publish(jf)
    _put(jf, program, "tasks", TASK, 1, new=True)
    refusals: list[tuple[type[JifenError], object]] = []
    cases = [
        (Conflict, lambda: _put(jf, program, "tasks", {**TASK, "points": 20}, 1, new=False)),
        (InvalidInput, lambda: _put(jf, program, "tasks", {**TASK, "points": 20}, 2, new=True)),
        (NotFound, lambda: _put(jf, program, "tasks", {**TASK, "id": "nope"}, 2, new=False)),
        (NotFound, lambda: _put(jf, program, "rules", TASK, 2, new=True)),
        (InvalidInput, lambda: _put(jf, program, "tasks", {**TASK, "kind": "dance"}, 2, new=False)),
        (InvalidInput, lambda: programs.remove_part(
            jf.uow(), jf.clock, jf.compile, jf.editor, program, "badges", "veg-lover", "t",
            base_version=2)),
        (NotFound, lambda: programs.remove_part(
            jf.uow(), jf.clock, jf.compile, jf.editor, program, "badges", "nope", "t",
            base_version=2)),
    ]  # fmt: skip
    for expected, attempt in cases:
        with pytest.raises(expected) as caught:
            attempt()  # type: ignore[operator]
        refusals.append((expected, caught.value.code))
    assert refusals[0][1] is ProgramCode.VERSION_MOVED
    assert refusals[2][1] is ProgramCode.PART_NOT_FOUND
    assert programs.versions(jf.uow(write=False), program).current == 2

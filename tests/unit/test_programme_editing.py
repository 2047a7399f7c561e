"""One entry of a programme file changed in place (ADR 0036).

Given the shipped programme files, a form's edit of one task, challenge, badge,
leaderboard or reward changes that entry's lines and no other: every comment and line
of the rest of the file stays as the operator wrote it, and the file then reads as the
old one with that one entry changed.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jifen.adapters.programfile.editing import YamlProgramEditor
from jifen.domain.errors import InvalidInput, NotFound

ROOT = Path(__file__).resolve().parents[2]
MARKET = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
BRAND = (ROOT / "programs" / "lifestyle-brand.yaml").read_text(encoding="utf-8")
editor = YamlProgramEditor()


def _removed_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [d[2:] for d in diff if d.startswith("- ")]


def _added_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [d[2:] for d in diff if d.startswith("+ ")]


def _entry(part: str, name: str, source: str = MARKET) -> dict[str, Any]:
    found = [e for e in editor.parts(source, part) if e.get("id", e.get("code")) == name]
    assert len(found) == 1, found
    return found[0]


def test_changing_a_challenge_changes_its_lines_and_no_other() -> None:
    december = _entry("challenges", "december-500")
    after = editor.put_part(MARKET, "challenges", {**december, "goal": "600.00"})
    removed = _removed_lines(MARKET, after)
    assert removed, "the entry's lines were rewritten"
    assert all(line.startswith("  ") for line in removed), removed  # inside the list only
    assert "# spend 500 yuan in December" in removed[0]  # the entry's own comment goes
    new = yaml.safe_load(after)
    old = yaml.safe_load(MARKET)
    assert [c["id"] for c in new["challenges"]] == [c["id"] for c in old["challenges"]]
    changed = next(c for c in new["challenges"] if c["id"] == "december-500")
    assert changed["goal"] == "600.00"
    assert {k: v for k, v in new.items() if k != "challenges"} == {
        k: v for k, v in old.items() if k != "challenges"
    }
    # the comments around it, and the section headers, are all still there
    for line in MARKET.splitlines():
        if line.lstrip().startswith("#"):
            assert line in after.splitlines(), line


def test_a_new_task_goes_after_the_last_one_and_before_the_next_sections_comment() -> None:
    task = {"id": "answer-survey", "kind": "survey", "name": {"zh-CN": "问卷", "en": "Survey"},
            "points": 10, "proof": "automatic", "caps": [{"per": "lifetime", "max_times": 1}]}  # fmt: skip
    after = editor.put_part(MARKET, "tasks", task)
    assert _removed_lines(MARKET, after) == []
    lines = after.splitlines()
    at = lines.index("  - id: answer-survey")
    assert lines[at - 1] == "    caps: [{per: week, max_times: 1}]"  # write-review's last line
    header = next(i for i, x in enumerate(lines) if x.startswith("# Challenges and badges"))
    assert at < header
    assert yaml.safe_load(after)["tasks"][-1] == task


def test_removing_an_entry_takes_its_lines_only() -> None:
    after = editor.remove_part(MARKET, "badges", "explorer")
    added = _added_lines(MARKET, after)
    assert added == []
    assert [b["id"] for b in yaml.safe_load(after)["badges"]] == ["veg-lover", "regular"]
    last = editor.remove_part(MARKET, "leaderboards", "city-challenges")
    assert [b["id"] for b in yaml.safe_load(last)["leaderboards"]] == [
        "monthly-points",
        "weekly-sharers",
    ]


def test_the_only_entry_removed_leaves_an_empty_list_and_its_comment() -> None:
    source = "program: {code: x}\ntasks:   # what else members do\n  - id: a\n    points: 1\n"
    after = editor.remove_part(source, "tasks", "a")
    assert after == "program: {code: x}\ntasks: []  # what else members do\n"
    again = editor.put_part(after, "tasks", {"id": "b", "points": 2})
    assert yaml.safe_load(again)["tasks"] == [{"id": "b", "points": 2}]
    assert "# what else members do" in again


def test_a_list_the_file_lacks_is_added_at_its_end() -> None:
    source = "program: {code: x}  # the brand\nrules: []\n"
    after = editor.put_part(source, "leaderboards", {"id": "top", "metric": "points"})
    assert after.startswith(source)
    assert yaml.safe_load(after)["leaderboards"] == [{"id": "top", "metric": "points"}]


def test_a_reward_changes_in_place_inside_redemption() -> None:
    oil = _entry("catalogue", "cooking-oil-5l")
    after = editor.put_reward(MARKET, {**oil, "points": 2500})
    assert all(line.startswith("    ") for line in _removed_lines(MARKET, after))
    assert "# 兑换品:低门槛 / 中门槛 / 高门槛" in after
    new = next(
        r for r in yaml.safe_load(after)["redemption"]["catalogue"] if r["code"] == "cooking-oil-5l"
    )
    assert new["points"] == 2500
    gone = editor.remove_reward(MARKET, "cooking-oil-5l")
    assert "cooking-oil-5l" not in [
        r["code"] for r in yaml.safe_load(gone)["redemption"]["catalogue"]
    ]
    added = editor.put_reward(BRAND, {"code": "tote", "points": 100, "name": {"en": "Tote"}})
    assert yaml.safe_load(added)["redemption"]["catalogue"][-1]["code"] == "tote"


def test_an_entry_not_in_the_list_is_not_found() -> None:
    with pytest.raises(NotFound):
        editor.remove_part(MARKET, "challenges", "no-such")
    with pytest.raises(NotFound):
        editor.remove_reward(MARKET, "no-such")


def test_a_file_that_is_not_yaml_is_said_so() -> None:
    with pytest.raises(InvalidInput):
        editor.put_part("tasks: [\n", "tasks", {"id": "a"})


_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("#:'\"-[]{}&*!|>%@`"),
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    words=st.dictionaries(st.sampled_from(["zh-CN", "en"]), _text, min_size=1),
    points=st.integers(0, 10**9),
    part=st.sampled_from(["tasks", "challenges", "badges", "leaderboards"]),
)
def test_whatever_a_form_writes_reads_back_the_same_and_leaves_the_rest(
    name: str, words: dict[str, str], points: int, part: str
) -> None:
    entry = {"id": name, "name": words, "points": points}
    after = editor.put_part(MARKET, part, entry)
    got = next(e for e in editor.parts(after, part) if e["id"] == name)
    assert got == entry
    old = yaml.safe_load(MARKET)
    new = yaml.safe_load(after)
    assert {k: v for k, v in new.items() if k != part} == {
        k: v for k, v in old.items() if k != part
    }
    others = [e for e in new[part] if e["id"] != name]
    assert others == [e for e in old[part] if e["id"] != name]
    back = editor.remove_part(after, part, name)
    assert list(yaml.safe_load(back)[part]) == others


def test_a_hashtag_line_of_a_block_scalar_stays_in_its_entry() -> None:
    """``#鲜生超市#`` under ``how: |`` is text, not a comment: adding after the entry, or
    removing the next one, leaves it where it is."""
    source = (
        "program: {code: x}\n"
        "tasks:\n"
        "  - id: a\n"
        "    how:\n"
        "      zh-CN: |\n"
        "        拍照分享\n"
        "        #鲜生超市#\n"
        "  - id: b\n"
        "    how:\n"
        "      zh-CN: |\n"
        "        写评价\n"
        "        #鲜生超市#\n"
        "# the next section\n"
        "rules: []\n"
    )
    added = editor.put_part(source, "tasks", {"id": "c", "points": 1})
    tasks = yaml.safe_load(added)["tasks"]
    assert [t["id"] for t in tasks] == ["a", "b", "c"]
    assert tasks[1]["how"]["zh-CN"] == "写评价\n#鲜生超市#\n"
    assert added.index("id: c") < added.index("# the next section")
    removed = yaml.safe_load(editor.remove_part(source, "tasks", "b"))["tasks"]
    assert removed == [{"id": "a", "how": {"zh-CN": "拍照分享\n#鲜生超市#\n"}}]


def test_a_list_written_inline_with_entries_is_refused_not_rewritten() -> None:
    """Rewriting ``[{...}, {...}]`` lost every entry but the edited one."""
    source = "program: {code: x}\nleaderboards: [{id: a, size: 1}, {id: b, size: 2}]\n"
    with pytest.raises(InvalidInput):
        editor.put_part(source, "leaderboards", {"id": "a", "size": 3})
    with pytest.raises(InvalidInput):
        editor.remove_part(source, "leaderboards", "b")
    nested = "program: {code: x}\nredemption:\n  catalogue: [{code: a}, {code: b}]\n"
    with pytest.raises(InvalidInput):
        editor.put_reward(nested, {"code": "c", "points": 1})

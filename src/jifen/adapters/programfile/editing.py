"""Changing one entry of a programme file (a reward, a task, a challenge, a badge, a
leaderboard), for edits made through the API and the console's forms (ADR 0036).

The entry's own lines are replaced (or new lines added after the list's last entry, or
its lines removed); every other line of the file, comments and layout included, stays as
the operator wrote it. Where the entry is found is read from the YAML parser's marks, not
guessed from the text. The result is a new version, validated and published like any
other; the entry's own comments go with its old lines, which stay with their version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jifen.adapters.programfile.loader import Loader
from jifen.domain.error_codes import ProgramCode, RedemptionCode
from jifen.domain.errors import InvalidInput, NotFound

#: the lists of entries an edit may change: where each is, and the field naming an entry
PARTS: dict[str, tuple[tuple[str, ...], str]] = {
    "catalogue": (("redemption", "catalogue"), "code"),
    "tasks": (("tasks",), "id"),
    "challenges": (("challenges",), "id"),
    "badges": (("badges",), "id"),
    "leaderboards": (("leaderboards",), "id"),
}


class YamlProgramEditor:
    def put_reward(self, source: str, reward: dict[str, Any]) -> str:
        return self.put_part(source, "catalogue", reward)

    def remove_reward(self, source: str, code: str) -> str:
        try:
            return self.remove_part(source, "catalogue", code)
        except NotFound:
            raise NotFound(
                f"no reward {code!r} in the catalogue", code=RedemptionCode.REWARD_NOT_FOUND
            ) from None

    def parts(self, source: str, part: str) -> list[dict[str, Any]]:
        """The entries of ``part`` as the file gives them."""
        path, _ = PARTS[part]
        data: Any = _load(source)
        for name in path:
            data = data.get(name) if isinstance(data, dict) else None
        return [e for e in data or [] if isinstance(e, dict)] if isinstance(data, list) else []

    def put_part(self, source: str, part: str, entry: dict[str, Any]) -> str:
        """The text with ``entry`` replacing the entry of its name, or added after the last."""
        path, key = PARTS[part]
        lines = source.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        root = _root(source)
        found = _find(root, path)
        if found is None:  # no such list yet: it is added where its parent ends
            return _added_list(lines, root, path, entry)
        seq, owner = found
        if seq.flow_style and seq.value:  # rewriting it whole would lose its layout
            raise InvalidInput(f"write {owner.value} as a block list to edit it here")
        if not seq.value:  # `tasks: []`: written out as a block list
            return _block_for_flow(lines, seq, owner, [entry])
        for i, item in enumerate(seq.value):
            if _name(item, key) == entry[key]:
                start, end = _span(lines, seq, i)
                return "".join(lines[:start] + _block([entry], _dash(lines, item)) + lines[end:])
        _, end = _span(lines, seq, len(seq.value) - 1)
        return "".join(lines[:end] + _block([entry], _dash(lines, seq.value[0])) + lines[end:])

    def remove_part(self, source: str, part: str, name: str) -> str:
        path, key = PARTS[part]
        lines = source.splitlines(keepends=True)
        found = _find(_root(source), path)
        if found is not None and found[0].flow_style and found[0].value:
            raise InvalidInput(f"write {found[1].value} as a block list to edit it here")
        if found is not None:
            seq = found[0]
            for i, item in enumerate(seq.value):
                if _name(item, key) == name:
                    if len(seq.value) == 1:  # the list's last entry: the list is left empty
                        return _emptied(lines, seq, found[1])
                    start, end = _span(lines, seq, i)
                    return "".join(lines[:start] + lines[end:])
        raise NotFound(f"no {part} entry {name!r}", code=ProgramCode.PART_NOT_FOUND)


def _load(source: str) -> Any:
    try:
        return yaml.load(source, Loader=Loader)  # noqa: S506 (Loader is a safe loader)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"the programme file is not YAML: {exc}") from None


def _root(source: str) -> MappingNode:
    try:
        node = yaml.compose(source, Loader=Loader)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"the programme file is not YAML: {exc}") from None
    if not isinstance(node, MappingNode):
        raise InvalidInput("the programme file is not a mapping of sections")
    return node


def _get(mapping: MappingNode, name: str) -> tuple[ScalarNode, Node] | None:
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == name:
            return k, v
    return None


def _find(root: MappingNode, path: Sequence[str]) -> tuple[SequenceNode, ScalarNode] | None:
    """The list at ``path`` and the key that holds it (None: no list there yet)."""
    node: Node = root
    pair = None
    for name in path:
        if not isinstance(node, MappingNode) or (pair := _get(node, name)) is None:
            return None
        node = pair[1]
    if pair is None or not isinstance(node, SequenceNode):
        return None
    return node, pair[0]


def _name(item: Node, key: str) -> str | None:
    if isinstance(item, MappingNode):
        pair = _get(item, key)
        if pair is not None and isinstance(pair[1], ScalarNode):
            return str(pair[1].value)
    return None


def _dash(lines: list[str], item: Node) -> int:
    """The column of the ``-`` before a block list's entry."""
    line = lines[item.start_mark.line]
    col = item.start_mark.column
    dash = line.rfind("-", 0, col)
    return dash if dash >= 0 else max(col - 2, 0)


def _is_filler(line: str, column: int) -> bool:
    """A blank line, or a comment no deeper than ``column``: a ``#`` line indented deeper
    is inside the entry (a block scalar's text, such as a hashtag under ``how: |``)."""
    stripped = line.strip()
    if not stripped:
        return True
    return stripped.startswith("#") and len(line) - len(line.lstrip()) <= column


def _span(lines: list[str], seq: SequenceNode, i: int) -> tuple[int, int]:
    """The lines [start, end) of entry ``i``: from its dash to the next entry's, or to the
    list's end, less the comments and blank lines that close it (they belong to what
    follows: the next entry, or the next section)."""
    start = seq.value[i].start_mark.line
    end = seq.value[i + 1].start_mark.line if i + 1 < len(seq.value) else _end_line(seq, lines)
    dash = _dash(lines, seq.value[i])
    while end > start + 1 and _is_filler(lines[end - 1], dash):
        end -= 1
    return start, end


def _end_line(node: Node, lines: list[str]) -> int:
    """The line after a block's last: a block ends where the next token begins, the first
    thing on a later line (the next key, at any indentation), or the end of the text."""
    mark = node.end_mark
    if mark.line >= len(lines):
        return len(lines)
    return mark.line if not lines[mark.line][: mark.column].strip() else mark.line + 1


def _block(entries: list[dict[str, Any]], indent: int) -> list[str]:
    text = yaml.safe_dump(
        entries, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )
    pad = " " * indent
    return [pad + line if line.strip() else line for line in text.splitlines(keepends=True)]


def _block_for_flow(
    lines: list[str], seq: SequenceNode, owner: ScalarNode, entries: list[dict[str, Any]]
) -> str:
    """``name: []`` (or a flow list) rewritten as ``name:`` and a block list of ``entries``."""
    a, b = seq.start_mark, seq.end_mark
    if a.line != b.line:
        raise InvalidInput(f"write {owner.value} as a block list to edit it here")
    line = lines[a.line]
    head = line[: a.index - _line_start(lines, a.line)].rstrip() + "\n"
    tail = line[b.index - _line_start(lines, b.line) :].strip()
    if tail.startswith("#"):
        head = head.rstrip("\n") + "  " + tail + "\n"
    block = _block(entries, owner.start_mark.column + 2)
    return "".join([*lines[: a.line], head, *block, *lines[a.line + 1 :]])


def _emptied(lines: list[str], seq: SequenceNode, owner: ScalarNode) -> str:
    """The list's only entry removed: ``name: []`` is left, with the key's comment."""
    first = seq.value[0].start_mark.line
    _, end = _span(lines, seq, 0)
    n, col = owner.start_mark.line, owner.end_mark.column
    line = lines[n]
    hash_at = line.find("#", col)
    comment = f"  {line[hash_at:].rstrip()}" if hash_at >= 0 else ""
    lines[n] = f"{line[:col]}: []{comment}\n"
    return "".join(lines[:first] + lines[end:])


def _line_start(lines: list[str], n: int) -> int:
    return sum(len(x) for x in lines[:n])


def _added_list(
    lines: list[str], root: MappingNode, path: Sequence[str], entry: dict[str, Any]
) -> str:
    """A list that is not in the file yet, with its first entry: a new top-level section at
    the end, or a new key at the end of its parent section (``redemption``)."""
    parent: Node = root
    for depth, name in enumerate(path[:-1]):
        pair = _get(parent, name) if isinstance(parent, MappingNode) else None
        if pair is None:
            value: Any = entry
            for outer in reversed(path[depth:]):
                value = {outer: [value] if value is entry else value}
            text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100)
            return "".join(lines) + "\n" + text
        parent = pair[1]
    name = path[-1]
    if parent is root:
        text = yaml.safe_dump({name: [entry]}, allow_unicode=True, sort_keys=False, width=100)
        return "".join(lines).rstrip("\n") + "\n\n" + text
    if not isinstance(parent, MappingNode) or parent.flow_style or not parent.value:
        raise InvalidInput(f"write {'.'.join(path[:-1])} as a block mapping to edit it here")
    indent = parent.value[0][0].start_mark.column
    end = _end_line(parent, lines)
    while end > 0 and _is_filler(lines[end - 1], indent):
        end -= 1
    added = [" " * indent + f"{name}:\n", *_block([entry], indent + 2)]
    return "".join(lines[:end] + added + lines[end:])

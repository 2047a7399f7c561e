"""Every condition of a programme file type-checked, each error at its line and column in the file.

An order rule's condition reads ``order`` (and no ``activity``); an activity rule's
reads its activity's declared payload (and no ``order``); a campaign's ``when``
is checked in the scope of each of its rules. A challenge's ``when`` reads its order or
its activity; its ``who`` only the member and ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from jifen.adapters.cel.checker import check_condition
from jifen.adapters.programfile.build import BUILTIN_ACTIVITIES, TASK_PAYLOAD
from jifen.adapters.programfile.schema import ProgramFile, RuleSpec
from jifen.domain.earning.rules import ORDER_KINDS, RuleKind
from jifen.domain.earning.variables import (
    MEMBER_SCOPE,
    ORDER_SCOPE,
    Scope,
    activity_scope,
)
from jifen.domain.engagement.tasks import TASK_ACTIVITY


@dataclass(frozen=True)
class ConditionProblem:
    line: int
    column: int
    field: str
    message: str
    hint: str

    def text(self, name: str) -> str:
        hint = f"; {self.hint}" if self.hint else ""
        return f"{name}:{self.line}:{self.column}: {self.field}: {self.message}{hint}"


Path = tuple[str | int, ...]


def type_errors(spec: ProgramFile, node: yaml.Node | None, source: str) -> list[ConditionProblem]:
    activities: dict[str, dict[str, str]] = {
        **BUILTIN_ACTIVITIES,
        **{k: dict(v) for k, v in spec.activities.items()},
    }
    found: list[ConditionProblem] = []
    for i, r in enumerate(spec.rules):
        found += _check(r.when, _scopes([r], activities), ("rules", i, "when"), node, source)
    for i, c in enumerate(spec.campaigns):
        found += _check(
            c.when, _scopes(c.rules, activities), ("campaigns", i, "when"), node, source
        )
        for j, r in enumerate(c.rules):
            path = ("campaigns", i, "rules", j, "when")
            found += _check(r.when, _scopes([r], activities), path, node, source)
    for t in spec.tasks:  # a task's rule reads its own activity
        activities.setdefault(TASK_ACTIVITY + t.id, dict(TASK_PAYLOAD))
    for i, ch in enumerate(spec.challenges):
        scopes = [ORDER_SCOPE]
        if ch.activity is not None:
            if ch.activity not in activities:
                continue  # the structural check names it
            scopes = [activity_scope(ch.activity, activities[ch.activity])]
        found += _check(ch.when, scopes, ("challenges", i, "when"), node, source)
        found += _check(ch.who, [MEMBER_SCOPE], ("challenges", i, "who"), node, source)
    return found


def _scopes(rules: list[RuleSpec], activities: dict[str, dict[str, str]]) -> list[Scope]:
    scopes: list[Scope] = []
    for r in rules:
        kind = RuleKind(r.kind)
        if kind in ORDER_KINDS:
            scope = ORDER_SCOPE
        else:
            name = r.activity or ("referral_converted" if kind is RuleKind.REFERRAL else None)
            if name is None or name not in activities:
                continue  # the structural check names it
            scope = activity_scope(name, activities[name])
        if scope not in scopes:
            scopes.append(scope)
    return scopes


def _check(
    text: str | None, scopes: list[Scope], path: Path, node: yaml.Node | None, source: str
) -> list[ConditionProblem]:
    if text is None:
        return []
    field = ".".join(str(p) for p in path)
    scalar = _node_at(node, path)
    seen: set[tuple[int, int, str]] = set()
    found = []
    for scope in scopes:
        for p in check_condition(text, scope):
            line, column = _in_file(scalar, source, text, p.line, p.column)
            if (line, column, p.message) not in seen:
                seen.add((line, column, p.message))
                found.append(ConditionProblem(line, column, field, p.message, p.hint))
    return found


def _node_at(node: yaml.Node | None, path: Path) -> yaml.Node | None:
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            return None
    return node


def _in_file(
    scalar: yaml.Node | None, source: str, text: str, line: int, column: int
) -> tuple[int, int]:
    """The 1-based line and column in the file of the condition's ``line``:``column``.

    The scalar's text in the file and its value differ by quotes, escapes, folded
    line breaks and indentation: walk both, skipping what the file has and the
    value has not.
    """
    if scalar is None:
        return 0, 0
    lines = text.split("\n")
    target = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
    i, end = scalar.start_mark.index, scalar.end_mark.index
    for k, ch in enumerate(text):
        while i < end and source[i] != ch:
            i += 1
        if k == target or i >= end:
            break
        i += 1
    i = min(i, len(source))
    row = source.count("\n", 0, i)
    start = source.rfind("\n", 0, i) + 1
    return row + 1, i - start + 1

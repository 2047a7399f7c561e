"""Entries of a programme's lists (tasks, challenges, badges, leaderboards) read, added,
changed and removed one at a time, as the console's forms do: each edit is the current
file with that entry's lines changed, published as the next version (ADR 0036)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jifen.domain.error_codes import ProgramCode
from jifen.domain.errors import InvalidInput, NotFound
from jifen.domain.programs import Program
from jifen.services.ports import Clock, Compiler
from jifen.services.programs.ports import ProgramEditor, ProgramWork
from jifen.services.programs.publishing import publish_program

#: the lists a form edits, and the field that names an entry
PARTS = ("tasks", "challenges", "badges", "leaderboards")


@dataclass(frozen=True)
class Parts:
    """The four lists as the current version's file gives them, and that version: an
    edit made from them is refused once another version replaced it."""

    version: int
    lists: dict[str, list[dict[str, Any]]]

    def get(self, part: str, name: str) -> dict[str, Any] | None:
        return next((e for e in self.lists[part] if e.get("id") == name), None)


def parts_of(uow: ProgramWork, editor: ProgramEditor, program: Program) -> Parts:
    """Every list a form edits, from one read of the current file."""
    version, source = current_source(uow, program)
    return Parts(version, {part: editor.parts(source, part) for part in PARTS})


def put_part(
    uow: ProgramWork,
    clock: Clock,
    compiler: Compiler,
    editor: ProgramEditor,
    program: Program,
    part: str,
    entry: dict[str, Any],
    actor: str,
    *,
    base_version: int,
    new: bool,
) -> int:
    """``entry`` added to ``part`` (``new``: refused if its id is taken) or replacing the
    entry of its id, published as the next version of ``base_version``. The version."""
    _known(part)
    name = entry.get("id")
    if not isinstance(name, str) or not name:
        raise InvalidInput("give the entry an id", field="id")
    version, source = current_source(uow, program)
    found = next((e for e in editor.parts(source, part) if e.get("id") == name), None)
    taken = found is not None
    if new and found == entry:  # the same form sent twice: published the first time
        return version
    if new and taken:
        raise InvalidInput(f"{part} already has an entry {name!r}", field="id")
    if not new and not taken:
        raise NotFound(f"no {part} entry {name!r}", code=ProgramCode.PART_NOT_FOUND)
    text = editor.put_part(source, part, entry)
    _, published = publish_program(
        uow, clock, compiler, text, f"{part} {name}", actor, program.code,
        base_version=base_version,
    )  # fmt: skip
    return published


def remove_part(
    uow: ProgramWork,
    clock: Clock,
    compiler: Compiler,
    editor: ProgramEditor,
    program: Program,
    part: str,
    name: str,
    actor: str,
    *,
    base_version: int,
) -> int:
    """The entry taken out of ``part`` in the next version (what it gave stays given)."""
    _known(part)
    _, source = current_source(uow, program)
    text = editor.remove_part(source, part, name)
    _, published = publish_program(
        uow, clock, compiler, text, f"{part} {name}", actor, program.code,
        base_version=base_version,
    )  # fmt: skip
    return published


def current_source(uow: ProgramWork, program: Program) -> tuple[int, str]:
    """The current version and its file."""
    with uow:
        version = uow.versions.current(program.id)
        source = uow.versions.source(program.id, version) if version is not None else None
    if version is None or source is None:
        raise NotFound(
            f"programme {program.code} has no published version", code=ProgramCode.NOT_PUBLISHED
        )
    return version, source


def _known(part: str) -> None:
    if part not in PARTS:
        raise NotFound(f"no list {part!r} in a programme", code=ProgramCode.PART_NOT_FOUND)

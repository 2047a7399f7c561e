"""Publishing a programme file as the next version; the versions kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jifen.domain.definition import ProgramDefinition
from jifen.domain.error_codes import ProgramCode
from jifen.domain.errors import Conflict, InvalidInput, NotFound
from jifen.domain.programs import Program
from jifen.services.ports import Clock, Compiler, VersionInfo
from jifen.services.programs.ports import ProgramWork
from jifen.services.programs.registry import register_program
from jifen.services.rulebooks import Rulebooks


def publish_program(
    uow: ProgramWork,
    clock: Clock,
    compiler: Compiler,
    source: str,
    name: str,
    actor: str,
    expect_code: str | None = None,
    base_version: int | None = None,
) -> tuple[Program, int]:
    """Validate a programme file and publish it as the next version.

    Publishing the text of the current version again is a no-op that returns
    that version: re-running ``jifen init`` or a deploy changes nothing. An
    edit of ``base_version`` is refused once another version has replaced it.
    """
    draft = compiler(source, name, 0)
    if expect_code is not None and draft.program.code != expect_code:
        raise InvalidInput(
            f"this file is for programme {draft.program.code}, not {expect_code}",
            code=ProgramCode.CODE_MISMATCH,
            field="program.code",
        )
    program = register_program(uow, clock, draft.program, actor)
    now = clock.now()
    with uow:
        # The latest before the current: a concurrent publish between the two reads then
        # ends in program_version_moved or a clash of version numbers, never an overwrite.
        latest = uow.versions.latest(program.id)
        current = uow.versions.current(program.id)
        if current is not None and uow.versions.source(program.id, current) == source:
            return program, current
        if base_version is not None and current != base_version:
            raise Conflict(
                f"version {current} was published meanwhile; edit it instead",
                code=ProgramCode.VERSION_MOVED,
                current=current,
            )
        version = (latest.version if latest else 0) + 1
        _publish(uow, program, draft, source, version, actor, now)
        uow.commit()
    return program, version


def _publish(
    uow: ProgramWork,
    program: Program,
    draft: ProgramDefinition,
    source: str,
    version: int,
    actor: str,
    now: datetime,
) -> None:
    """The text kept as ``version`` and made current; its campaigns' budgets opened."""
    uow.versions.add(program.id, version, source, actor, now)
    uow.versions.set_current(program.id, version)
    for campaign in draft.earning.campaigns.values():
        if campaign.budget is not None:
            uow.earning.ensure_budget(program.id, campaign.id, campaign.budget)
    uow.audit.record(program.id, actor, "program.publish", program.code, {"version": version}, now)
    uow.outbox.add(program.id, "program.published", {"version": version}, now)


@dataclass(frozen=True)
class Versions:
    current: int | None
    versions: list[VersionInfo]


def versions(uow: ProgramWork, program: Program) -> Versions:
    with uow:
        return Versions(uow.versions.current(program.id), uow.versions.all(program.id))


def version_source(uow: ProgramWork, program: Program, version: int) -> str:
    with uow:
        source = uow.versions.source(program.id, version)
    if source is None:
        raise NotFound(
            f"programme {program.code} has no version {version}",
            code=ProgramCode.VERSION_NOT_FOUND,
            version=version,
        )
    return source


def rules_of(uow: ProgramWork, rulebooks: Rulebooks, program: Program) -> ProgramDefinition | None:
    """The programme's current rules (names of rules, rewards, tiers), or None before any."""
    with uow:
        return rulebooks.current_or_none(uow, program)

"""Programmes: register one from its file, find the one a caller means."""

from __future__ import annotations

from dataclasses import dataclass

from jifen.domain.definition import ProgramDefinition
from jifen.domain.errors import Conflict, InvalidInput, NotFound
from jifen.domain.programs import Program, validate_program_fields
from jifen.services.ports import Clock, Compiler, UnitOfWork, VersionInfo
from jifen.services.rulebooks import Rulebooks


def register_program(uow: UnitOfWork, clock: Clock, spec: Program, actor: str) -> Program:
    """Create the programme, or update it in place when its code exists."""
    validate_program_fields(spec.code, spec.currency, spec.point_value, spec.timezone)
    if spec.policy.returned_points_grace.total_seconds() < 3600:
        raise InvalidInput(
            "returned points need a grace of at least one hour",
            field="ledger.returned_points_grace_days",
        )
    now = clock.now()
    with uow:
        saved = uow.programs.save(spec, now)
        uow.audit.record(
            saved.id,
            actor,
            "program.register",
            saved.code,
            {
                "currency": saved.currency,
                "point_value": str(saved.point_value),
                "timezone": saved.timezone,
            },
            now,
        )
        uow.commit()
    return saved


def publish_program(
    uow: UnitOfWork,
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
            code="program_code_mismatch",
            field="program.code",
        )
    program = register_program(uow, clock, draft.program, actor)
    now = clock.now()
    with uow:
        latest = uow.versions.latest(program.id)
        current = uow.versions.current(program.id)
        if current is not None and uow.versions.source(program.id, current) == source:
            return program, current
        if base_version is not None and current != base_version:
            raise Conflict(
                f"version {current} was published meanwhile; edit it instead",
                code="program_version_moved",
                current=current,
            )
        version = (latest.version if latest else 0) + 1
        uow.versions.add(program.id, version, source, actor, now)
        uow.versions.set_current(program.id, version)
        for campaign in draft.earning.campaigns.values():
            if campaign.budget is not None:
                uow.earning.ensure_budget(program.id, campaign.id, campaign.budget)

        uow.audit.record(
            program.id, actor, "program.publish", program.code, {"version": version}, now
        )
        uow.outbox.add(program.id, "program.published", {"version": version}, now)
        uow.commit()
    return program, version


def find_program(uow: UnitOfWork, code: str | None = None) -> Program:
    """The programme named ``code``; without a code, the only one there is."""
    with uow:
        if code is not None:
            found = uow.programs.by_code(code)
            if found is None:
                raise NotFound(f"programme {code} not found", code="program_not_found")
            return found
        every = uow.programs.all()
    if len(every) != 1:
        raise InvalidInput(
            "name the programme (--program CODE): there are "
            + (", ".join(p.code for p in every) or "none yet; run jifen init"),
            code="program_required",
        )
    return every[0]


def program_by_id(uow: UnitOfWork, program_id: int) -> Program:
    with uow:
        found = uow.programs.by_id(program_id)
    if found is None:
        raise NotFound(f"programme #{program_id} not found", code="program_not_found")
    return found


def find_program_count(uow: UnitOfWork) -> int:
    with uow:
        return len(uow.programs.all())


@dataclass(frozen=True)
class Versions:
    current: int | None
    versions: list[VersionInfo]


def versions(uow: UnitOfWork, program: Program) -> Versions:
    with uow:
        return Versions(uow.versions.current(program.id), uow.versions.all(program.id))


def version_source(uow: UnitOfWork, program: Program, version: int) -> str:
    with uow:
        source = uow.versions.source(program.id, version)
    if source is None:
        raise NotFound(
            f"programme {program.code} has no version {version}",
            code="program_version_not_found",
            version=version,
        )
    return source


def rules_of(uow: UnitOfWork, rulebooks: Rulebooks, program: Program) -> ProgramDefinition | None:
    """The programme's current rules (names of rules, rewards, tiers), or None before any."""
    with uow:
        if uow.versions.current(program.id) is None:
            return None
        return rulebooks.current(uow, program)

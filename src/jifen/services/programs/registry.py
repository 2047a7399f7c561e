"""Programmes: registered from their file, found by code or id."""

from __future__ import annotations

from jifen.domain.error_codes import ProgramCode
from jifen.domain.errors import InvalidInput, NotFound
from jifen.domain.programs import Program, validate_program_fields
from jifen.services.ports import Clock
from jifen.services.programs.ports import ProgramWork


def register_program(uow: ProgramWork, clock: Clock, spec: Program, actor: str) -> Program:
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


def find_program(uow: ProgramWork, code: str | None = None) -> Program:
    """The programme named ``code``; without a code, the only one there is."""
    with uow:
        if code is not None:
            found = uow.programs.by_code(code)
            if found is None:
                raise NotFound(f"programme {code} not found", code=ProgramCode.NOT_FOUND)
            return found
        every = uow.programs.all()
    if len(every) != 1:
        raise InvalidInput(
            "name the programme (--program CODE): there are "
            + (", ".join(p.code for p in every) or "none yet; run jifen init"),
            code=ProgramCode.REQUIRED,
        )
    return every[0]


def program_by_id(uow: ProgramWork, program_id: int) -> Program:
    with uow:
        found = uow.programs.by_id(program_id)
    if found is None:
        raise NotFound(f"programme #{program_id} not found", code=ProgramCode.NOT_FOUND)
    return found


def find_program_count(uow: ProgramWork) -> int:
    with uow:
        return len(uow.programs.all())

"""The programme: its current version, its history, publishing a new one, and the rules
whose condition failed to evaluate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, status

from jifen.entrypoints.api.bounds import VersionNo
from jifen.entrypoints.api.deps import Caller, LedgerRead, scoped
from jifen.entrypoints.api.earning_schemas import (
    ConditionErrorsListOut,
    ConditionErrorsOut,
    ProgramOut,
    VersionOut,
)
from jifen.services import earning, programs

router = APIRouter(prefix="/v1/program", tags=["program"])
Admin = Annotated[Caller, Depends(scoped("admin"))]


def _out(caller: Caller) -> ProgramOut:
    jf, program = caller.jf, caller.program
    info = programs.versions(jf.uow(write=False), program)
    return ProgramOut(
        code=program.code,
        name=program.name,
        currency=program.currency,
        point_value=str(program.point_value),
        timezone=program.timezone,
        current_version=info.current,
        versions=[VersionOut.model_validate(v) for v in info.versions],
    )


@router.get("", response_model=ProgramOut, summary="The programme and its published versions")
def get_program(caller: LedgerRead) -> ProgramOut:
    return _out(caller)


@router.get(
    "/condition-errors",
    response_model=ConditionErrorsListOut,
    summary="Rules whose condition failed to evaluate, per rule and day",
)
def get_condition_errors(
    caller: LedgerRead, days: Annotated[int, Query(ge=1, le=90)] = 7
) -> ConditionErrorsListOut:
    """Newest day first, then the rule that failed most; only rules that failed."""
    jf = caller.jf
    found = earning.condition_errors(jf.uow(write=False), jf.clock, caller.program, days)
    return ConditionErrorsListOut(
        days=days, rules=[ConditionErrorsOut.model_validate(x) for x in found]
    )


@router.get(
    "/versions/{version}", summary="The programme file of one published version", response_model=str
)
def get_version(version: VersionNo, caller: LedgerRead) -> str:
    return programs.version_source(caller.jf.uow(write=False), caller.program, version)


@router.post(
    "/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgramOut,
    summary="Publish a programme file (YAML) as the next version",
)
def publish(
    caller: Admin,
    source: Annotated[str, Body(media_type="text/plain", description="the programme file")],
) -> ProgramOut:
    jf = caller.jf
    programs.publish_program(
        jf.uow(),
        jf.clock,
        jf.compile,
        source,
        "request body",
        actor=caller.principal.actor,
        expect_code=caller.program.code,
    )
    return _out(caller)

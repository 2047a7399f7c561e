"""Rewards added, changed and removed through the API: each edit a new programme version."""

from __future__ import annotations

from typing import Any

from jifen.domain.errors import InvalidInput
from jifen.domain.programs import Program
from jifen.services.ports import Clock, Compiler
from jifen.services.programs import current_source, publish_program
from jifen.services.programs.ports import ProgramEditor
from jifen.services.redemption.catalogue import RewardView, rewards
from jifen.services.redemption.ports import CatalogueWork
from jifen.services.rulebooks import Rulebooks


def put_reward(
    uow: CatalogueWork,
    clock: Clock,
    compiler: Compiler,
    editor: ProgramEditor,
    rulebooks: Rulebooks,
    program: Program,
    code: str,
    fields: dict[str, Any],
    actor: str,
) -> RewardView:
    """Add or replace one reward: the current file, edited, published as the next version.

    The same edit twice publishes once (the text is the same); an edit made
    while another version was published is refused (``program_version_moved``).
    """
    if fields.get("code", code) != code:
        raise InvalidInput("the body's code differs from the path's", field="code")
    base, source = current_source(uow, program)
    text = editor.put_reward(source, {"code": code, **fields})
    publish_program(
        uow, clock, compiler, text, f"reward {code}", actor, program.code, base_version=base
    )
    return next(r for r in rewards(uow, clock, rulebooks, program) if r.code == code)


def remove_reward(
    uow: CatalogueWork,
    clock: Clock,
    compiler: Compiler,
    editor: ProgramEditor,
    program: Program,
    code: str,
    actor: str,
) -> int:
    """Take a reward out of the catalogue in a new version; its redemptions stay. The version."""
    base, source = current_source(uow, program)
    text = editor.remove_reward(source, code)
    _, version = publish_program(
        uow, clock, compiler, text, f"reward {code}", actor, program.code, base_version=base
    )
    return version

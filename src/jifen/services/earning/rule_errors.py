"""Rules whose condition failed to evaluate: counted per day, shown the same day.

A condition that fails (``member.attributes.level > 3`` on a string level) is not
false: the award explains it as ``condition_error``, and the order or activity counts
it on its rule and local day, in its own transaction, only when it happened (rare,
and nothing is written otherwise). The console lists the counts with the latest
failure, so that a rule that breaks in production is seen the day it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from jifen.domain.earning import Award, EarningProgram
from jifen.domain.programs import Program
from jifen.services.earning.ports import ConditionErrors, EarningWork
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks

MAX_ERROR = 500  # characters of the evaluator's text kept


def count_condition_errors(
    uow: EarningWork,
    earning: EarningProgram,
    program_id: int,
    member_id: int,
    award: Award,
    reference: str,
    now: datetime,
) -> None:
    """Count the award's failed conditions on their rules, today in the programme's time."""
    failed = award.condition_errors
    if not failed:
        return
    day = now.astimezone(earning.tz).date()
    rows = [
        ConditionErrors(
            rule_id=s.rule_id,
            day=day,
            errors=1,
            last_at=now,
            last_reference=reference[:128],
            last_error=str(s.detail.get("error", ""))[:MAX_ERROR],
            last_problem=str(s.detail.get("problem", "other")),
            last_params={k: str(v) for k, v in dict(s.detail.get("params") or {}).items()},
        )
        for s in {s.rule_id: s for s in failed}.values()
    ]
    uow.earning.count_condition_errors(program_id, member_id, rows)


@dataclass(frozen=True)
class RuleErrors:
    """A rule's condition errors on one day, with the rule's name as the file gives it
    (empty when the current version no longer has the rule)."""

    counted: ConditionErrors
    name: dict[str, str]


def condition_errors(
    uow: EarningWork, clock: Clock, program: Program, days: int = 7
) -> list[ConditionErrors]:
    """Each rule's condition errors on the last ``days`` local days (today included):
    newest day first, then the rule that failed most."""
    with uow:
        return _found(uow, clock, program, days)


def rule_errors(
    uow: EarningWork, clock: Clock, rulebooks: Rulebooks, program: Program, days: int = 7
) -> list[RuleErrors]:
    """:func:`condition_errors` with each rule's name, for the console."""
    with uow:
        found = _found(uow, clock, program, days)
        definition = rulebooks.current_or_none(uow, program) if found else None
    rules = definition.earning if definition is not None else None
    named = []
    for counted in found:
        rule = rules.rule(counted.rule_id) if rules is not None else None
        named.append(RuleErrors(counted, dict(rule.name) if rule is not None else {}))
    return named


def _found(uow: EarningWork, clock: Clock, program: Program, days: int) -> list[ConditionErrors]:
    today = clock.now().astimezone(program.tz).date()
    found = uow.earning.condition_errors(program.id, today - timedelta(days=days - 1))
    return sorted(found, key=lambda x: (-x.day.toordinal(), -x.errors, x.rule_id))

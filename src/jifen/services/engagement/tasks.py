"""Tasks completed: checked against the programme's task, the way it is proven and the
member's choice about social tasks, then paid as the task's activity (ADR 0033).

- ``complete_task``: the integrator says a task proven ``automatic`` was done (a check-in
  in its app, a survey completed), once per key.
- ``complete_in``: the same inside a keyed unit of work; a signed webhook
  (``inbound.receive``) completes a task proven by ``webhook`` through it.
- ``take_part``: a member opts in or out of social tasks (sharing, reviewing); an opted-out
  member is never recorded for one, whoever says they did it.

What a task pays, and how often, is its activity rule's: its ``caps``, ``window`` and
``when``. A task outside its window is refused (``task_not_running``) rather than paid
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from jifen.domain.definition import ProgramDefinition
from jifen.domain.engagement.enrolment import Consent
from jifen.domain.engagement.tasks import Proof, Task
from jifen.domain.error_codes import EngagementCode
from jifen.domain.errors import MemberNotFound, NotFound, RuleViolation
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.earning import EarnResult, RecordActivity, record_activity_in
from jifen.services.engagement.ports import EngagementWork
from jifen.services.idempotency import Keyed, once
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks

#: the consent a member gives (or withdraws) to take part in social tasks
SOCIAL_TASKS = "social_tasks"
ALL = "all"
MAX_REFERENCE = 512


@dataclass(frozen=True)
class CompleteTask:
    """``member`` did ``task``; ``reference``: the post, review or visit it was."""

    member: str
    task: str
    reference: str = ""


@dataclass(frozen=True)
class TakePart:
    member: str
    social_tasks: bool  # False: opted out
    source: str = "api"


@dataclass(frozen=True)
class Participation:
    member: str
    social_tasks: bool
    replayed: bool = False


def complete_task(
    uow: EngagementWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: CompleteTask,
    key: str,
) -> EarnResult:
    """A task proven ``automatic``, done: paid as its activity, once per ``key``."""
    with uow:
        call = Keyed(program, cmd, key, clock.now())
        return once(uow, call, partial(complete_in, rulebooks=rulebooks, proof=Proof.AUTOMATIC))


def complete_in(
    uow: EngagementWork,
    call: Keyed[CompleteTask],
    *,
    rulebooks: Rulebooks,
    proof: Proof,
    source: str | None = None,
    at: datetime | None = None,
) -> EarnResult:
    """``complete_task`` inside a keyed unit of work, proven by ``proof`` (from ``source``,
    a webhook's); done ``at`` (default: now; a moderated proof: when it was sent)."""
    program, cmd, now = call.program, call.command, call.now
    definition = rulebooks.current(uow, program)
    task = running_task(definition, cmd.task, at or now)
    _proven(task, proof, source)
    member = uow.members.get(program.id, cmd.member)
    if member is None:
        raise MemberNotFound(cmd.member)
    require_part(uow, task, member)
    activity = RecordActivity(
        cmd.member, task.activity, {"reference": cmd.reference[:MAX_REFERENCE]}
    )
    inner = Keyed(program, activity, call.key, now, scope=call.scope)
    return record_activity_in(uow, inner, rulebooks=rulebooks, when=at or now)


def running_task(definition: ProgramDefinition, task_id: str, now: datetime) -> Task:
    """The programme's task ``task_id``, if it runs at ``now``."""
    task = definition.tasks.get(task_id)
    if task is None:
        raise NotFound(f"the programme has no task {task_id!r}", code=EngagementCode.TASK_NOT_FOUND)
    rule = definition.earning.rule(task.id)
    if rule is not None and not rule.window.contains(now.astimezone(definition.earning.tz)):
        raise RuleViolation(
            f"task {task.id} is not running now", code=EngagementCode.TASK_NOT_RUNNING
        )
    return task


def require_part(uow: EngagementWork, task: Task, member: Member) -> None:
    """A social task is never recorded for a member who opted out of social tasks."""
    if task.social and not takes_part(uow, member.id):
        raise RuleViolation(
            f"member {member.external_id} opted out of social tasks",
            code=EngagementCode.SOCIAL_TASKS_OPTED_OUT,
            member=member.external_id,
        )


def _proven(task: Task, proof: Proof, source: str | None) -> None:
    if task.proof is proof and (source is None or source in task.sources):
        return
    raise RuleViolation(
        f"task {task.id} is proven by {task.proof.value}"
        + (f" from {', '.join(sorted(task.sources))}" if task.sources else ""),
        code=EngagementCode.TASK_PROVEN_ELSEWHERE,
        task=task.id,
    )


def takes_part(uow: EngagementWork, member_id: int) -> bool:
    """Whether the member takes part in social tasks (yes, until they say no)."""
    for consent in uow.consents.of(member_id):
        if consent.purpose == SOCIAL_TASKS:
            return consent.granted
    return True


def take_part(
    uow: EngagementWork, clock: Clock, program: Program, cmd: TakePart, key: str
) -> Participation:
    """The member opts in or out of social tasks, once per ``key``; recorded as a consent."""
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _take_part)


def _take_part(uow: EngagementWork, call: Keyed[TakePart]) -> Participation:
    cmd = call.command
    member = uow.members.get(call.program.id, cmd.member)
    if member is None:
        raise MemberNotFound(cmd.member)
    given = (Consent(SOCIAL_TASKS, ALL, cmd.social_tasks),)
    uow.consents.record(call.program.id, member.id, given, cmd.source, call.now)
    return Participation(cmd.member, cmd.social_tasks)

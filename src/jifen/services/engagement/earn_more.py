"""What a member can do now to earn more: the programme's tasks, each with where the
member stands on it, and the campaigns running for them (the portal's "Earn more" page).

A task is ``available``; ``done`` for now (one of its caps is reached this period);
``opted_out`` (a social task, and the member opted out of social tasks);
``not_running`` (outside its window); or ``pending_review`` (a moderated task whose proof
waits for an operator). A moderated task also carries the member's latest submission, so
that a rejection is shown with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jifen.domain.earning import Period, Rule, Usage, activation, member_vars, period_key
from jifen.domain.engagement.tasks import Proof, Review, Task
from jifen.domain.errors import MemberNotFound
from jifen.domain.programs import Program
from jifen.services.engagement.ports import EngagementWork, Submission
from jifen.services.engagement.tasks import takes_part
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks

AVAILABLE, DONE, OPTED_OUT, NOT_RUNNING = "available", "done", "opted_out", "not_running"
PENDING_REVIEW = "pending_review"


@dataclass(frozen=True)
class TaskState:
    task: Task
    state: str
    per: str | None  # how often it pays, as its shortest cap by times says (day, week...)
    submission: Submission | None = None  # a moderated task: the member's latest proof


@dataclass(frozen=True)
class CampaignNow:
    id: str
    name: dict[str, str]
    ends: datetime | None


@dataclass(frozen=True)
class EarnMore:
    social_tasks: bool  # the member takes part in social tasks
    tasks: tuple[TaskState, ...]
    campaigns: tuple[CampaignNow, ...]


def earn_more(
    uow: EngagementWork, clock: Clock, rulebooks: Rulebooks, program: Program, external_id: str
) -> EarnMore:
    now = clock.now()
    with uow:
        member = uow.members.get(program.id, external_id)
        if member is None:
            raise MemberNotFound(external_id)
        definition = rulebooks.current_or_none(uow, program)
        if definition is None:
            return EarnMore(True, (), ())
        part = takes_part(uow, member.id)
        earning = definition.earning
        local = now.astimezone(earning.tz)
        rules = {t: earning.rule(t) for t in definition.tasks}
        keys = [
            (rule.id, period_key(cap.per, local, rule.campaign))
            for rule in rules.values()
            if rule is not None
            for cap in rule.caps
        ]
        used = uow.earning.usage(member.id, keys) if keys else {}
        moderated = any(t.proof is Proof.MODERATED for t in definition.tasks.values())
        sent = uow.task_submissions.latest_of(member.id) if moderated else {}
    tasks = []
    for task in definition.tasks.values():
        rule = rules[task.id]
        if rule is not None and not rule.window.contains(local):
            state = NOT_RUNNING
        elif task.social and not part:
            state = OPTED_OUT
        elif (latest := sent.get(task.id)) is not None and latest.status is Review.PENDING:
            state = PENDING_REVIEW
        elif rule is not None and _capped(rule, used, local):
            state = DONE
        else:
            state = AVAILABLE
        tasks.append(TaskState(task, state, _per(rule), sent.get(task.id)))
    # a campaign for a segment is shown to its members only: its condition, on the member
    act = activation(member=member_vars(member, local, earning.currency), now=local)
    campaigns = tuple(
        CampaignNow(c.id, dict(c.name), c.window.ends)
        for c in earning.campaigns.values()
        if c.window.contains(local) and (c.when is None or c.when(act) is True)
    )
    return EarnMore(part, tuple(tasks), campaigns)


def _capped(rule: Rule, used: dict[tuple[str, str], Usage], local: datetime) -> bool:
    for cap in rule.caps:
        u = used.get((rule.id, period_key(cap.per, local, rule.campaign)), Usage())
        if (cap.max_times is not None and u.times >= cap.max_times) or (
            cap.max_points is not None and u.points >= cap.max_points
        ):
            return True
    return False


ORDER = (Period.DAY, Period.WEEK, Period.MONTH, Period.YEAR, Period.CAMPAIGN, Period.LIFETIME)


def _per(rule: Rule | None) -> str | None:
    counted = [c.per for c in (rule.caps if rule else ()) if c.max_times == 1]
    return min(counted, key=ORDER.index).value if counted else None

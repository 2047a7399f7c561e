"""Moderated tasks: a member sends a link or a photo reference for a task proven
``moderated``; it waits in the operators' queue, and pays only when approved. A rejection
says why, and pays nothing; the member may send another.

- ``submit_task``: the member's proof, once per key; one waits per member and task at a
  time (``task_submission_pending``).
- ``review_submission``: an operator approves (the task's activity is recorded then, under
  its caps and window, its points credited) or rejects with a reason; audited. A
  submission is reviewed once (``task_submission_reviewed``).
- ``submission_queue``: what waits, the oldest first; or the latest reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from jifen.domain.engagement.tasks import Proof, Review
from jifen.domain.error_codes import EngagementCode
from jifen.domain.errors import Conflict, InvalidInput, MemberNotFound, NotFound, RuleViolation
from jifen.domain.programs import Program
from jifen.services.engagement.ports import EngagementWork, Submission
from jifen.services.engagement.tasks import (
    MAX_REFERENCE,
    CompleteTask,
    complete_in,
    require_part,
    running_task,
)
from jifen.services.idempotency import Keyed, once
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks

MAX_REASON = 500


@dataclass(frozen=True)
class SubmitTask:
    member: str
    task: str
    reference: str  # the post's link, or the photo's reference


@dataclass(frozen=True)
class ReviewSubmission:
    submission: int
    approve: bool
    reason: str  # required to reject
    actor: str


@dataclass(frozen=True)
class SubmissionView:
    id: int
    member: str
    name: str | None
    task: str
    reference: str
    status: str
    reason: str | None
    points: int
    submitted_at: object
    reviewed_at: object | None
    reviewed_by: str | None
    replayed: bool = False


def view_of(s: Submission) -> SubmissionView:
    return SubmissionView(
        id=s.id, member=s.external_id, name=s.display_name, task=s.task_id,
        reference=s.reference, status=s.status.value, reason=s.reason, points=s.points,
        submitted_at=s.submitted_at, reviewed_at=s.reviewed_at, reviewed_by=s.reviewed_by,
    )  # fmt: skip


def submit_task(
    uow: EngagementWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: SubmitTask,
    key: str,
) -> SubmissionView:
    reference = cmd.reference.strip()
    if not reference or len(reference) > MAX_REFERENCE:
        raise InvalidInput(
            f"the reference is a link or a photo's reference of 1 to {MAX_REFERENCE} characters",
            field="reference",
        )
    with uow:
        call = Keyed(program, replace(cmd, reference=reference), key, clock.now())
        return once(uow, call, partial(_submit, rulebooks=rulebooks))


def _submit(
    uow: EngagementWork, call: Keyed[SubmitTask], *, rulebooks: Rulebooks
) -> SubmissionView:
    program, cmd, now = call.program, call.command, call.now
    definition = rulebooks.current(uow, program)
    task = running_task(definition, cmd.task, now)
    if task.proof is not Proof.MODERATED:
        raise RuleViolation(
            f"task {task.id} is proven by {task.proof.value}, not by the member's proof",
            code=EngagementCode.TASK_PROVEN_ELSEWHERE,
            task=task.id,
        )
    found = uow.members.get(program.id, cmd.member)
    if found is None:
        raise MemberNotFound(cmd.member)
    member = uow.members.lock_by_id(found.id)  # one submission waits at a time
    member.require_active()
    require_part(uow, task, member)
    if uow.task_submissions.pending_of(member.id, task.id) is not None:
        raise Conflict(
            f"member {cmd.member} has a submission of {task.id} waiting for review",
            code=EngagementCode.TASK_SUBMISSION_PENDING,
            task=task.id,
        )
    made = uow.task_submissions.add(program.id, member.id, task.id, cmd.reference, now)
    stored = uow.task_submissions.get(program.id, made)
    assert stored is not None
    return view_of(stored)


def review_submission(
    uow: EngagementWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: ReviewSubmission,
    key: str,
) -> SubmissionView:
    if not 1 <= cmd.submission < 2**63:  # no such id, and none a database can look up
        raise NotFound(
            f"submission {cmd.submission} not found",
            code=EngagementCode.TASK_SUBMISSION_NOT_FOUND,
            submission=cmd.submission,
        )
    reason = cmd.reason.strip()
    if not cmd.approve and not reason:
        raise InvalidInput("a rejection says why: give a reason", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"a reason is at most {MAX_REASON} characters", field="reason")
    with uow:
        call = Keyed(program, replace(cmd, reason=reason), key, clock.now())
        return once(uow, call, partial(_review, rulebooks=rulebooks))


def _review(
    uow: EngagementWork, call: Keyed[ReviewSubmission], *, rulebooks: Rulebooks
) -> SubmissionView:
    program, cmd, now = call.program, call.command, call.now
    found = uow.task_submissions.get(program.id, cmd.submission)
    if found is None:
        raise NotFound(
            f"submission {cmd.submission} not found",
            code=EngagementCode.TASK_SUBMISSION_NOT_FOUND,
            submission=cmd.submission,
        )
    uow.members.lock_by_id(found.member_id)  # a second review waits, then sees the first
    found = uow.task_submissions.get(program.id, cmd.submission)
    assert found is not None
    if found.status is not Review.PENDING:
        raise Conflict(
            f"submission {cmd.submission} was {found.status.value} already",
            code=EngagementCode.TASK_SUBMISSION_REVIEWED,
            submission=cmd.submission,
        )
    points = 0
    if cmd.approve:
        done = CompleteTask(found.external_id, found.task_id, found.reference)
        inner = Keyed(program, done, call.key, now, scope=call.scope)
        # done when it was sent: in the task's window then, and in that day's caps
        paid = complete_in(
            uow, inner, rulebooks=rulebooks, proof=Proof.MODERATED, at=found.submitted_at
        )
        points = paid.points
    status = Review.APPROVED if cmd.approve else Review.REJECTED
    uow.task_submissions.review(found.id, status, cmd.reason or None, points, cmd.actor, now)
    detail = {"task": found.task_id, "status": status.value, "reason": cmd.reason,
              "points": points}  # fmt: skip
    uow.audit.record(program.id, cmd.actor, "task.review", found.external_id, detail, now)
    reviewed = uow.task_submissions.get(program.id, found.id)
    assert reviewed is not None
    return view_of(reviewed)


def submission_queue(
    uow: EngagementWork, program: Program, status: str = "pending", limit: int = 100
) -> list[SubmissionView]:
    try:
        wanted = Review(status)
    except ValueError:
        raise InvalidInput("status is pending, approved or rejected", field="status") from None
    if not 1 <= limit <= 500:
        raise InvalidInput("limit is 1 to 500", field="limit")
    with uow:
        return [view_of(s) for s in uow.task_submissions.queue(program.id, wanted, limit)]

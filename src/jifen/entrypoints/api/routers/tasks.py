"""Tasks: the programme's list, a task done (through the API or a platform's signed
webhook), and a member's choice about social tasks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from jifen.entrypoints.api.deps import (
    IdempotencyKey,
    JifenDep,
    LedgerWrite,
    MembersRead,
    MembersWrite,
)
from jifen.entrypoints.api.earning_schemas import EarnOut
from jifen.entrypoints.api.errors import PROBLEM
from jifen.entrypoints.api.rendering import rendered, replayed_header
from jifen.entrypoints.api.schemas import (
    CompletionIn,
    ParticipationIn,
    ParticipationOut,
    ReviewIn,
    SubmissionIn,
    SubmissionOut,
    TaskOut,
)
from jifen.services import engagement, programs
from jifen.services.engagement import CompleteTask, TakePart

router = APIRouter(prefix="/v1", tags=["tasks"])
inbound = APIRouter(tags=["tasks"])


def _problems(**answers: str) -> dict[int | str, dict[str, Any]]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        int(code.removeprefix("s")): {"description": text, "content": {PROBLEM: {"schema": schema}}}
        for code, text in answers.items()
    }


@router.get("/tasks", response_model=list[TaskOut], summary="The programme's tasks")
def list_tasks(caller: MembersRead) -> list[TaskOut]:
    jf = caller.jf
    found = programs.rules_of(jf.uow(write=False), jf.rulebooks, caller.program)
    tasks = found.tasks.values() if found else ()
    return [
        TaskOut(
            id=t.id,
            kind=t.kind.value,
            name=dict(t.name),
            how=dict(t.how),
            points=t.points,
            proof=t.proof.value,
            sources=sorted(t.sources),
            social=t.social,
        )
        for t in tasks
    ]


@router.post(
    "/tasks/{task}/completions",
    status_code=status.HTTP_201_CREATED,
    response_model=EarnOut,
    summary="A task proven automatically (a check-in, a survey) was done: pay it",
)
def complete_task(
    task: str, body: CompletionIn, caller: LedgerWrite, key: IdempotencyKey
) -> Response:
    jf = caller.jf
    cmd = CompleteTask(body.member, task, body.reference)
    result = engagement.complete_task(
        jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or ""
    )
    return rendered(
        EarnOut.model_validate(result), status.HTTP_201_CREATED, replayed=result.replayed
    )


@router.post(
    "/tasks/{task}/submissions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionOut,
    summary="A member's proof of a moderated task (a link, a photo's reference), for review",
)
def submit_task(
    task: str, body: SubmissionIn, caller: MembersWrite, key: IdempotencyKey
) -> Response:
    jf = caller.jf
    cmd = engagement.SubmitTask(body.member, task, body.reference)
    done = engagement.submit_task(jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or "")
    return rendered(
        SubmissionOut.model_validate(done), status.HTTP_201_CREATED, replayed=done.replayed
    )


@router.get(
    "/task-submissions",
    response_model=list[SubmissionOut],
    summary="The moderation queue: submissions waiting (the oldest first), or reviewed",
)
def list_submissions(
    caller: MembersRead,
    status_: Annotated[str, Query(alias="status", max_length=16)] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SubmissionOut]:
    jf = caller.jf
    found = engagement.submission_queue(jf.uow(write=False), caller.program, status_, limit)
    return [SubmissionOut.model_validate(s) for s in found]


@router.post(
    "/task-submissions/{submission}/review",
    response_model=SubmissionOut,
    summary="Approve a submission (its task pays) or reject it with a reason",
)
def review_submission(
    submission: int, body: ReviewIn, caller: LedgerWrite, key: IdempotencyKey, response: Response
) -> SubmissionOut:
    jf = caller.jf
    cmd = engagement.ReviewSubmission(submission, body.approve, body.reason, caller.principal.actor)
    done = engagement.review_submission(
        jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or ""
    )
    replayed_header(response, done.replayed)
    return SubmissionOut.model_validate(done)


@router.put(
    "/members/{external_id}/social-tasks",
    response_model=ParticipationOut,
    summary="A member opts in or out of social tasks (sharing, reviewing)",
)
def take_part(
    external_id: str,
    body: ParticipationIn,
    caller: MembersWrite,
    key: IdempotencyKey,
    response: Response,
) -> ParticipationOut:
    jf = caller.jf
    cmd = TakePart(external_id, body.social_tasks)
    done = engagement.take_part(jf.uow(), jf.clock, caller.program, cmd, key or "")
    replayed_header(response, done.replayed)
    return ParticipationOut.model_validate(done)


@inbound.post(
    "/inbound/{program}/{source}",
    response_model=EarnOut,
    summary="A platform says a task was done, in a Standard Webhooks signed request",
    responses=_problems(
        s401="An unknown source, or a timestamp or a signature refused (webhook_refused)",
        s400="The body cannot be read (JSON nested too deep)",
        s404="No such programme, task or member",
        s409="The message id was used for another message",
        s413="The body exceeds the size limit",
        s422="The message is not a task.completed with data, or a rule refuses it",
    ),
)
async def receive(program: str, source: str, request: Request, jf: JifenDep) -> Response:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}

    def work() -> Response:
        prog = programs.find_program(jf.uow(write=False), program)
        result = engagement.receive(jf.uow(), jf.clock, jf.rulebooks, prog, source, headers, body)
        return rendered(
            EarnOut.model_validate(result), status.HTTP_200_OK, replayed=result.replayed
        )

    return await run_in_threadpool(work)

"""The moderation queue: members' proofs of moderated tasks, approved (the task pays) or
rejected with a reason; and the latest reviewed."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import engagement, programs

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/moderation")
def queue(request: Request, lang: Lang, prog: Prog, staff: Staff, done: str = "") -> Response:
    return _queue(request, lang, prog, staff, done=done)


@router.post("/moderation/review")
def review(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    submission: Annotated[int, Form(ge=1)],
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.MODERATE_TASKS)
    jf = jifen(request)
    who = staff[0]
    cmd = engagement.ReviewSubmission(submission, decision == "approve", reason, who.actor)
    try:
        engagement.review_submission(
            jf.uow(), jf.clock, jf.rulebooks, prog, cmd, f"console:{who.id}:{nonce}"
        )
    except JifenError as exc:
        return _queue(request, lang, prog, staff, status=422, error=exc.code, failed=submission)
    done = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/console/moderation?done={done}", status_code=303)


def _queue(
    request: Request, lang: Lang, prog: Prog, staff: Staff, status: int = 200, **extra: Any
) -> Response:
    allow(staff, Permission.MODERATE_TASKS)
    jf = jifen(request)
    waiting = engagement.submission_queue(jf.uow(write=False), prog, "pending", 100)
    approved = engagement.submission_queue(jf.uow(write=False), prog, "approved", 20)
    rejected = engagement.submission_queue(jf.uow(write=False), prog, "rejected", 20)
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, prog)
    return page(
        request,
        lang,
        "console/moderation.html",
        staff,
        status,
        program=prog,
        waiting=waiting,
        reviewed=sorted([*approved, *rejected], key=lambda s: str(s.reviewed_at), reverse=True),
        tasks=dict(rules.tasks) if rules else {},
        nonce=secrets.token_urlsafe(16),
        **extra,
    )

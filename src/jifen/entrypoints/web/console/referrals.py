"""Referrals in the console: the report with its flags, each referrer's friends, and a
referral voided with a reason (ADR 0032)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import engagement
from jifen.services.engagement import VoidReferral

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/referrals")
def report(request: Request, lang: Lang, prog: Prog, staff: Staff, done: str = "") -> Response:
    return _report(request, lang, prog, staff, done=done == "voided")


@router.post("/referrals/void")
def void(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    member: Annotated[str, Form(min_length=1, max_length=128)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.VOID_REFERRALS)
    jf = jifen(request)
    who = staff[0]
    cmd = VoidReferral(member, reason.strip(), who.actor)
    try:
        engagement.void_referral(
            jf.uow(), jf.clock, jf.rulebooks, prog, cmd, f"console:{who.id}:{nonce}"
        )
    except JifenError as exc:
        return _report(request, lang, prog, staff, status=422, error=exc.code, failed=member)
    return RedirectResponse("/console/referrals?done=voided", status_code=303)


def _report(
    request: Request, lang: Lang, prog: Prog, staff: Staff, status: int = 200, **extra: Any
) -> Response:
    allow(staff, Permission.VIEW_DASHBOARD)
    jf = jifen(request)
    found = engagement.referral_report(jf.uow(write=False), jf.clock, prog)
    return page(
        request,
        lang,
        "console/referrals.html",
        staff,
        status,
        program=prog,
        report=found,
        nonce=secrets.token_urlsafe(16),
        **extra,
    )

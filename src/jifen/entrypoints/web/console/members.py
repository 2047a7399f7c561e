"""Members in the console: search, a member's page, adjustments and tier overrides."""

from __future__ import annotations

import secrets
from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.bounds import require_instant
from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, PageNotFound, jifen
from jifen.entrypoints.web.reasons import describe
from jifen.services import ledger, members, programs, tiers
from jifen.services.ledger import Adjust
from jifen.services.tiers import SetTierFloor

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/")
def home(request: Request, lang: Lang, prog: Prog, staff: Staff, q: str = "") -> Response:
    allow(staff, Permission.VIEW_MEMBERS)
    jf = jifen(request)
    found = members.search(jf.uow(write=False), jf.clock, prog, q) if q.strip() else []
    done = request.query_params.get("done")
    return page(
        request, lang, "console/members.html", staff, program=prog, q=q, found=found, done=done
    )


@router.get("/members/{external_id}")
def member_page(
    request: Request, external_id: str, lang: Lang, prog: Prog, staff: Staff
) -> Response:
    return _member(request, lang, prog, staff, external_id)


@router.post("/members/{external_id}/adjust")
def adjust(
    request: Request,
    external_id: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    points: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=500)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.ADJUST_POINTS)
    jf = jifen(request)
    who = staff[0]
    try:
        ledger.adjust(
            jf.uow(),
            jf.clock,
            prog,
            Adjust(external_id, points, reason, who.actor, note=note or None),
            f"console:{who.id}:{nonce}",
        )
    except JifenError as exc:
        return _member(request, lang, prog, staff, external_id, error=exc.code, status=422)
    return RedirectResponse(f"/console/members/{external_id}?done=adjusted", status_code=303)


@router.post("/members/{external_id}/tier")
def override_tier(
    request: Request,
    external_id: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    tier: Annotated[str, Form(max_length=64)],
    until: Annotated[str, Form(max_length=10)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.OVERRIDE_TIER)
    jf = jifen(request)
    try:
        end = datetime.combine(datetime.fromisoformat(until).date(), time(23, 59, 59), prog.tz)
    except ValueError:
        return _member(request, lang, prog, staff, external_id, error="invalid_input", status=422)
    cmd = SetTierFloor(external_id, tier or None, end, reason, staff[0].actor)
    try:
        require_instant(end, field="until")  # 1970 to 3000, as every instant named from outside
        tiers.set_floor(
            jf.uow(), jf.clock, jf.rulebooks, prog, cmd, f"console:{secrets.token_hex(8)}"
        )
    except JifenError as exc:
        return _member(request, lang, prog, staff, external_id, error=exc.code, status=422)
    return RedirectResponse(f"/console/members/{external_id}?done=tier", status_code=303)


def _member(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    external_id: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    allow(staff, Permission.VIEW_MEMBERS)
    jf = jifen(request)
    try:
        me = members.get_member(jf.uow(write=False), jf.clock, prog, external_id)
    except JifenError:
        raise PageNotFound from None
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, prog)
    history = members.history(jf.uow(write=False), prog, external_id, None, 30)
    who = staff[0]
    return page(
        request,
        lang,
        "console/member.html",
        staff,
        status,
        program=prog,
        me=me,
        tier=tiers.tier_view(jf.uow(write=False), jf.clock, jf.rulebooks, prog, external_id),
        tiers=[(lvl.code, lvl.name) for lvl in rules.tiers.levels] if rules else [],
        lots=members.open_lots(jf.uow(write=False), prog, external_id),
        lines=[(item, describe(lang, item, rules, prog.timezone)) for item in history.items],
        may_adjust=who.may(Permission.ADJUST_POINTS),
        may_override=who.may(Permission.OVERRIDE_TIER),
        may_export=who.may(Permission.EXPORT_MEMBERS),
        may_erase=who.may(Permission.ERASE_MEMBERS),
        nonce=secrets.token_urlsafe(16),
        done=request.query_params.get("done"),
        **extra,
    )

"""The console's dashboard: a period's points, liability, tiers and top rewards."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import programs, reporting

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/dashboard")
def dashboard_page(
    request: Request, lang: Lang, prog: Prog, staff: Staff, start: str = "", end: str = ""
) -> Response:
    allow(staff, Permission.VIEW_DASHBOARD)
    jf = jifen(request)
    today = jf.clock.now().astimezone(prog.tz).date()
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=29)
        found = reporting.dashboard(jf.uow(write=False), prog, first, last)
    except (ValueError, JifenError):
        return page(request, lang, "console/dashboard.html", staff, 422, program=prog, bad=True)
    peak = max([1, *(max(d.issued, d.redeemed, d.expired) for d in found.days)])
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, prog)
    names = {r.code: r.name for r in rules.redemption.catalogue} if rules else {}
    tier_names = {lvl.code: lvl.name for lvl in rules.tiers.levels} if rules else {}
    if rules and rules.tiers.levels:
        tier_names[""] = rules.tiers.base.name  # no tier yet: the entry level
    return page(
        request,
        lang,
        "console/dashboard.html",
        staff,
        program=prog,
        d=found,
        peak=peak,
        names=names,
        tier_names=tier_names,
    )

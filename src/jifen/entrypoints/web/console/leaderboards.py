"""The leaderboards as the operator reads them: each board's running period and the one
before (frozen, with the prizes paid), in the programme or the store or city asked for."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jifen.domain.leaderboards import MAX_PLACE
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import leaderboards

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/leaderboards")
def boards_page(request: Request, lang: Lang, prog: Prog, staff: Staff) -> Response:
    """``?place.<board>=<store or city>`` names the place of a store or city board."""
    allow(staff, Permission.VIEW_DASHBOARD)
    jf = jifen(request)
    places = {
        k.removeprefix("place."): v.strip()[:MAX_PLACE]
        for k, v in request.query_params.items()
        if k.startswith("place.") and v.strip()
    }
    boards = leaderboards.boards_by_period(
        jf.uow(write=False), jf.clock, jf.rulebooks, prog, places
    )
    return page(
        request, lang, "console/leaderboards.html", staff, program=prog, boards=boards,
        places=places,
    )  # fmt: skip

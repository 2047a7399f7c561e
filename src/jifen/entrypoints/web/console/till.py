"""The till: a cashier reads a voucher's code (typed, or from a scanner) and takes it once."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import redemption
from jifen.services.redemption import ConsumeVoucher

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/till")
def till_page(request: Request, lang: Lang, prog: Prog, staff: Staff, code: str = "") -> Response:
    return _till(request, lang, prog, staff, code[:64], done=request.query_params.get("done"))


@router.post("/till/consume")
def consume(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    code: Annotated[str, Form(max_length=64)],
    spend: Annotated[str, Form(max_length=20)] = "",
    reference: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.CONSUME_VOUCHERS)
    jf = jifen(request)
    who = staff[0]
    cmd = ConsumeVoucher(code, reference.strip() or None, spend.strip() or None, who.actor)
    try:
        used = redemption.consume_voucher(
            jf.uow(), jf.clock, prog, cmd, f"console:{who.id}:{nonce}"
        )
    except JifenError as exc:
        return _till(request, lang, prog, staff, code, 422, error=exc.code)
    return RedirectResponse(f"/console/till?code={quote(used.code)}&done=used", status_code=303)


def _till(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    code: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    allow(staff, Permission.CONSUME_VOUCHERS)
    jf = jifen(request)
    found = None
    if code.strip():
        try:  # after a refusal, the voucher as it now stands, if the code names one
            found = redemption.get_voucher(jf.uow(write=False), prog, code)
        except JifenError as exc:
            if "error" not in extra:
                extra["error"], status = exc.code, 404
    names = redemption.reward_names(jf.uow(write=False), jf.rulebooks, prog)
    return page(
        request,
        lang,
        "console/till.html",
        staff,
        status,
        program=prog,
        code=code,
        voucher=found,
        reward=names.get(found.reward) if found else None,
        nonce=secrets.token_urlsafe(16),
        **extra,
    )

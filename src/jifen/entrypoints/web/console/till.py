"""The till: a cashier reads a code (typed, or from a scanner). A voucher's is taken once; a
membership code finds the member, for whom the cashier records the purchase."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.engagement.codes import MEMBER_CODE_DIGITS, member_code, shown_member_code
from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import earning, members, programs, redemption
from jifen.services.earning import PlaceOrder
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


@router.post("/till/purchase")
def purchase(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    code: Annotated[str, Form(max_length=64)],
    paid: Annotated[str, Form(max_length=20)],
    receipt: Annotated[str, Form(max_length=128)],
    store: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The purchase of the member whose card was scanned: earned as an order, its receipt
    number the order's id (so the same receipt sent twice is one order)."""
    check(csrf, staff[1])
    allow(staff, Permission.RECORD_PURCHASES)
    jf = jifen(request)
    form = {"paid": paid, "receipt": receipt, "store": store}
    try:
        member = members.find_member_by_code(jf.uow(write=False), prog, code, "code")
        order = PlaceOrder(
            receipt.strip(),
            member.external_id,
            paid.strip(),
            store=store.strip() or None,
            attributes={"recorded_by": staff[0].actor},
        )
        result = earning.record_order(jf.uow(), jf.clock, jf.rulebooks, prog, order)
    except JifenError as exc:
        return _till(request, lang, prog, staff, code, 422, error=exc.code, form=form)
    query = f"code={quote(code)}&done=recorded&points={result.points}&receipt={quote(receipt)}"
    return RedirectResponse(f"/console/till?{query}", status_code=303)


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
    if _looks_like_a_card(code):  # a membership card: the member, for a purchase
        return _member(request, lang, prog, staff, code, status, **extra)
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


def _looks_like_a_card(code: str) -> bool:
    """Sixteen digits (spaces and dashes aside): a membership code, mistyped or not."""
    digits = re.sub(r"[\s-]", "", code)
    return len(digits) == MEMBER_CODE_DIGITS and digits.isascii() and digits.isdigit()


def _member(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    code: str,
    status: int,
    **extra: Any,
) -> Response:
    jf = jifen(request)
    view = None
    try:
        view = members.get_member_by_code(jf.uow(write=False), jf.clock, prog, code)
    except JifenError as exc:
        if "error" not in extra:
            extra["error"], status = exc.code, 404
    tier_name = None
    if view is not None and view.tier is not None:
        rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, prog)
        levels = rules.tiers.levels if rules else ()
        tier_name = next((lvl.name for lvl in levels if lvl.code == view.tier), None)
    return page(
        request,
        lang,
        "console/till.html",
        staff,
        status,
        program=prog,
        code=code,
        member=view,
        shown_code=shown_member_code(member_code(code) or ""),
        tier_name=tier_name,
        may_record=staff[0].may(Permission.RECORD_PURCHASES),
        form=extra.pop("form", {}),
        done=extra.pop("done", None),
        points=request.query_params.get("points"),
        receipt=request.query_params.get("receipt"),
        **extra,
    )

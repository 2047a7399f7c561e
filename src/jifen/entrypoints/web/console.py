"""The operator console (``/console/``): sign in, find a member, look and act.

Every page checks the operator's role (``domain.operators``); a form they may
not use is not shown, and posting it anyway is refused with 403. Every write
goes through the same services as the API, named ``console:<username>`` in the
ledger and the audit log, with a one-off nonce as its idempotency key.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import InvalidInput, JifenError
from jifen.domain.operators import CONSOLE_SESSION_TTL, Operator, Permission
from jifen.domain.programs import Program
from jifen.entrypoints.web.portal import (
    ANON_CSRF,
    FormExpired,
    Lang,
    PageNotFound,
    jifen,
    render,
)
from jifen.entrypoints.web.reasons import describe
from jifen.services import (
    campaigns,
    catalogue,
    dashboard,
    ledger,
    members,
    operators,
    orders,
    programs,
    tiers,
)
from jifen.services.commands import Adjust, LineIn, PlaceOrder, SetStock, SetTierFloor
from jifen.services.ports import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)
SESSION = "jifen_console"


class ConsoleSignInRequired(Exception):
    """A console page without a signed-in operator: the app sends them to sign in."""


class NotAllowed(Exception):
    """The operator's role does not allow this: the app answers 403."""


def program(request: Request) -> Program:
    jf = jifen(request)
    return programs.find_program(jf.uow(write=False), jf.settings.portal_program)


def operator(request: Request) -> tuple[Operator, ConsoleSession]:
    jf = jifen(request)
    found = operators.signed_in(
        jf.uow(write=False), jf.clock, request.cookies.get(SESSION), jf.settings.secret_key
    )
    if found is None:
        raise ConsoleSignInRequired
    return found


Prog = Annotated[Program, Depends(program)]
Staff = Annotated[tuple[Operator, ConsoleSession], Depends(operator)]


def page(
    request: Request, lang: Lang, name: str, staff: Staff, status: int = 200, **ctx: Any
) -> Response:
    who, session = staff
    return render(request, lang, name, status, operator=who, csrf=session.csrf, **ctx)


@router.get("/sign-in")
def sign_in_page(request: Request, lang: Lang, prog: Prog) -> Response:
    token = request.cookies.get(ANON_CSRF) or secrets.token_urlsafe(24)
    response = render(request, lang, "console/sign_in.html", program=prog, csrf=token)
    _cookie(request, response, ANON_CSRF, token, 3600)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    lang: Lang,
    prog: Prog,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form()],
) -> Response:
    if not secrets.compare_digest(request.cookies.get(ANON_CSRF, ""), csrf):
        raise FormExpired
    jf = jifen(request)
    try:
        token, _, _ = operators.sign_in(
            jf.uow(), jf.clock, jf.passwords, username, password, jf.settings.secret_key
        )
    except JifenError as exc:
        return render(
            request, lang, "console/sign_in.html", 401, program=prog, csrf=csrf, error=exc.code
        )
    response = RedirectResponse("/console/", status_code=303)
    _cookie(request, response, SESSION, token, int(CONSOLE_SESSION_TTL.total_seconds()))
    return response


@router.post("/sign-out")
def sign_out(request: Request, staff: Staff, csrf: Annotated[str, Form()]) -> Response:
    _check(csrf, staff[1])
    jf = jifen(request)
    operators.sign_out(jf.uow(), request.cookies.get(SESSION, ""), jf.settings.secret_key)
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(SESSION, path="/console")
    return response


@router.get("/")
def home(request: Request, lang: Lang, prog: Prog, staff: Staff, q: str = "") -> Response:
    _allow(staff, Permission.VIEW_MEMBERS)
    jf = jifen(request)
    found = members.search(jf.uow(write=False), prog, q) if q.strip() else []
    return page(request, lang, "console/members.html", staff, program=prog, q=q, found=found)


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
) -> Response:
    _check(csrf, staff[1])
    _allow(staff, Permission.ADJUST_POINTS)
    jf = jifen(request)
    who = staff[0]
    try:
        ledger.adjust(
            jf.uow(),
            jf.clock,
            prog,
            Adjust(external_id, points, reason, who.actor),
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
    _check(csrf, staff[1])
    _allow(staff, Permission.OVERRIDE_TIER)
    jf = jifen(request)
    try:
        end = datetime.combine(datetime.fromisoformat(until).date(), time(23, 59, 59), prog.tz)
    except ValueError:
        return _member(request, lang, prog, staff, external_id, error="invalid_input", status=422)
    cmd = SetTierFloor(external_id, tier or None, end, reason, staff[0].actor)
    try:
        tiers.set_floor(
            jf.uow(), jf.clock, jf.rulebooks, prog, cmd, f"console:{secrets.token_hex(8)}"
        )
    except JifenError as exc:
        return _member(request, lang, prog, staff, external_id, error=exc.code, status=422)
    return RedirectResponse(f"/console/members/{external_id}?done=tier", status_code=303)


@router.get("/dashboard")
def dashboard_page(
    request: Request, lang: Lang, prog: Prog, staff: Staff, start: str = "", end: str = ""
) -> Response:
    _allow(staff, Permission.VIEW_DASHBOARD)
    jf = jifen(request)
    today = jf.clock.now().astimezone(prog.tz).date()
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=29)
        found = dashboard.dashboard(jf.uow(write=False), prog, first, last)
    except (ValueError, JifenError):
        return page(request, lang, "console/dashboard.html", staff, 422, program=prog, bad=True)
    peak = max([1, *(max(d.issued, d.redeemed, d.expired) for d in found.days)])
    names = {
        r.code: r.name for r in catalogue.rewards(jf.uow(write=False), jf.clock, jf.rulebooks, prog)
    }
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, prog)
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


@router.get("/catalogue")
def catalogue_page(request: Request, lang: Lang, prog: Prog, staff: Staff) -> Response:
    return _catalogue(request, lang, prog, staff, done=request.query_params.get("done"))


@router.post("/catalogue/{code}/stock")
def count_stock(
    request: Request,
    code: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    remaining: Annotated[int, Form(ge=0, le=10**9)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    _check(csrf, staff[1])
    _allow(staff, Permission.MANAGE_STOCK)
    jf = jifen(request)
    cmd = SetStock(code, remaining, reason, staff[0].actor)
    try:
        catalogue.set_stock(
            jf.uow(), jf.clock, jf.rulebooks, prog, cmd, f"console:{staff[0].id}:{nonce}"
        )
    except JifenError as exc:
        return _catalogue(request, lang, prog, staff, 422, error=exc.code)
    return RedirectResponse("/console/catalogue?done=stock", status_code=303)


def _catalogue(
    request: Request, lang: Lang, prog: Prog, staff: Staff, status: int = 200, **extra: Any
) -> Response:
    _allow(staff, Permission.MANAGE_STOCK)
    jf = jifen(request)
    return page(
        request,
        lang,
        "console/catalogue.html",
        staff,
        status,
        program=prog,
        rewards=catalogue.rewards(jf.uow(write=False), jf.clock, jf.rulebooks, prog),
        campaigns=campaigns.campaigns(jf.uow(write=False), jf.clock, jf.rulebooks, prog),
        nonce=secrets.token_urlsafe(16),
        **extra,
    )


@router.get("/program")
def program_page(request: Request, lang: Lang, prog: Prog, staff: Staff) -> Response:
    _allow(staff, Permission.EDIT_PROGRAM)
    jf = jifen(request)
    info = programs.versions(jf.uow(write=False), prog)
    current = info.current or 0
    source = programs.version_source(jf.uow(write=False), prog, current) if current else ""
    return _program(
        request, lang, prog, staff, source, current, done=request.query_params.get("done")
    )


@router.post("/program")
def program_action(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    action: Annotated[str, Form(pattern="^(preview|publish)$")],
    source: Annotated[str, Form(max_length=256 * 1024)],
    base: Annotated[int, Form(ge=0)],
    member: Annotated[str, Form(max_length=128)] = "",
    lines: Annotated[str, Form(max_length=4000)] = "",
    paid: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    _check(csrf, staff[1])
    _allow(staff, Permission.EDIT_PROGRAM)
    jf = jifen(request)
    sample = {"member": member, "lines": lines, "paid": paid}
    try:
        if action == "publish":
            programs.publish_program(
                jf.uow(),
                jf.clock,
                jf.compile,
                source,
                "console",
                staff[0].actor,
                prog.code,
                base_version=base,
            )
            return RedirectResponse("/console/program?done=published", status_code=303)
        order = _sample_order(member, lines, paid)
        shown = orders.preview_order(
            jf.uow(write=False), jf.clock, jf.compile, jf.rulebooks, prog, source, order
        )
    except JifenError as exc:
        return _program(
            request, lang, prog, staff, source, base, 422, error=exc.detail, sample=sample
        )
    return _program(request, lang, prog, staff, source, base, preview=shown, sample=sample)


def _program(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    source: str,
    base: int,
    status: int = 200,
    **extra: Any,
) -> Response:
    jf = jifen(request)
    info = programs.versions(jf.uow(write=False), prog)
    extra.setdefault("sample", {"member": "", "lines": "rice, 1, 100.00, grain", "paid": ""})
    return page(
        request,
        lang,
        "console/program.html",
        staff,
        status,
        program=prog,
        source=source,
        base=base,
        versions=list(reversed(info.versions))[:10],
        current=info.current,
        **extra,
    )


def _sample_order(member: str, lines: str, paid: str) -> PlaceOrder:
    """``sku, quantity, unit price[, category]`` per line; paid defaults to the lines' sum."""
    parsed = []
    for n, raw in enumerate(x for x in lines.splitlines() if x.strip()):
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) < 3 or not parts[1].isdigit():
            raise InvalidInput(f"line {n + 1}: write sku, quantity, unit price[, category]")
        parsed.append(
            LineIn(parts[0], int(parts[1]), parts[2], parts[3] if len(parts) > 3 else None)
        )
    if not parsed:
        raise InvalidInput("give the sample order at least one line")
    try:
        total = paid.strip() or str(sum(Decimal(x.unit_price) * x.quantity for x in parsed))
    except InvalidOperation:
        raise InvalidInput("a unit price is a number such as 12.50") from None
    return PlaceOrder("preview", member.strip(), total, tuple(parsed))


def _member(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    external_id: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    _allow(staff, Permission.VIEW_MEMBERS)
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
        nonce=secrets.token_urlsafe(16),
        done=request.query_params.get("done"),
        **extra,
    )


def _allow(staff: Staff, permission: Permission) -> None:
    if not staff[0].may(permission):
        raise NotAllowed


def _check(sent: str, session: ConsoleSession) -> None:
    if not secrets.compare_digest(sent, session.csrf):
        raise FormExpired


def _cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    secure = jifen(request).settings.secure_cookies
    response.set_cookie(
        name, value, max_age=age, httponly=True, samesite="strict", secure=secure, path="/console"
    )

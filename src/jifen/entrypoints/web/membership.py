"""Joining in the portal, the membership card and what a member can do to earn more
(``/portal/join``, ``/portal/card``, ``/portal/earn``).

Joining asks for details first, then sends a code to the phone or email given; the code
page (``portal.check_code``) takes it and makes the member. The card shows the membership
code as a QR code and a Code 128 barcode for the till, and the referral code with the
link a friend joins by.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.bootstrap import Jifen
from jifen.domain.challenges import Badge
from jifen.domain.engagement.codes import shown_member_code
from jifen.domain.engagement.enrolment import LANGUAGES, MARKETING_CHANNELS
from jifen.domain.errors import InvalidInput, JifenError
from jifen.entrypoints.web import scannable, shown
from jifen.entrypoints.web.portal import (
    ANON_CSRF,
    TICKET,
    Lang,
    Prog,
    Signed,
    check_token,
    client_address,
    cookie,
    device_of,
    floor,
    jifen,
    keep_device,
    render,
)
from jifen.services import access, challenges, engagement, leaderboards, members

router = APIRouter(prefix="/portal", include_in_schema=False)


@router.get("/join")
def join_page(request: Request, lang: Lang, prog: Prog, ref: str = "") -> Response:
    token = request.cookies.get(ANON_CSRF) or secrets.token_urlsafe(24)
    form = {"referral_code": ref[:32], "language": lang.code}
    response = _join(request, lang, prog, token, form)
    cookie(request, response, ANON_CSRF, token, 3600)
    keep_device(request, response)
    return response


@router.post("/join")
def ask_to_join(
    request: Request,
    lang: Lang,
    prog: Prog,
    csrf: Annotated[str, Form()],
    contact: Annotated[str, Form(max_length=254)],
    display_name: Annotated[str, Form(max_length=64)],
    language: Annotated[str, Form(max_length=8)],
    birthday: Annotated[str, Form(max_length=10)] = "",
    referral_code: Annotated[str, Form(max_length=32)] = "",
    marketing: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_token(csrf, request.cookies.get(ANON_CSRF))
    jf = jifen(request)
    form = {
        "contact": contact,
        "display_name": display_name,
        "language": language,
        "birthday": birthday,
        "referral_code": referral_code,
        "marketing": marketing or [],
    }
    limits = access.SigninLimits(
        per_address=jf.settings.signin_codes_per_address,
        per_program=jf.settings.signin_codes_per_hour,
    )
    with floor(request):
        try:
            joining = engagement.Joining(
                contact.strip(),
                display_name,
                language,
                _birthday(birthday),
                tuple(c for c in MARKETING_CHANNELS if c in (marketing or [])),
                referral_code.strip() or None,
                device_of(request),
            )
            ticket = engagement.ask_to_join(
                jf.uow(),
                jf.clock,
                prog,
                joining,
                jf.settings.secret_key,
                address=client_address(request),
                limits=limits,
            )
        except JifenError as exc:
            field = exc.params.get("field")
            return _join(request, lang, prog, csrf, form, 422, error=exc.code, field=field)
    quoted = quote(contact.strip())
    response = RedirectResponse(f"/portal/code?contact={quoted}&joining=1", status_code=303)
    cookie(request, response, TICKET, ticket, 900)
    return response


@router.get("/card")
def card(request: Request, lang: Lang, prog: Prog, signed: Signed, welcome: str = "") -> Response:
    jf = jifen(request)
    who, session = signed
    view = members.get_member(jf.uow(write=False), jf.clock, prog, who.external_id)
    friends = engagement.member_referrals(jf.uow(write=False), jf.clock, prog, who.external_id)
    offer = engagement.referral_offer(jf.uow(write=False), jf.rulebooks, prog)
    code = view.member_code or ""
    link = str(request.url_for("join_page").include_query_params(ref=view.referral_code or ""))
    label = lang.gettext("Membership code %(code)s", code=shown_member_code(code))
    return render(
        request,
        lang,
        "portal/card.html",
        program=prog,
        me=view,
        shown_code=shown_member_code(code),
        qr=scannable.qr(code, label) if code else None,
        bars=scannable.code128(code, label) if code else None,
        link=link,
        link_qr=scannable.qr(link, lang.gettext("Link to join")),
        welcome=bool(welcome),
        csrf=session.csrf,
        friends=friends,
        offer=offer,
    )


def _join(
    request: Request,
    lang: Lang,
    prog: Prog,
    csrf: str,
    form: Mapping[str, object],
    status: int = 200,
    **extra: object,
) -> Response:
    return render(
        request,
        lang,
        "portal/join.html",
        status,
        program=prog,
        csrf=csrf,
        form=form,
        languages_offered=LANGUAGES,
        channels=MARKETING_CHANNELS,
        **extra,
    )


def _birthday(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("a birthday is a date", field="birthday") from None


@router.get("/earn")
def earn_page(request: Request, lang: Lang, prog: Prog, signed: Signed, done: str = "") -> Response:
    return _earn(request, lang, prog, signed, done=done)


@router.post("/earn/social-tasks")
def social_tasks(
    request: Request,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    take_part: Annotated[str, Form(pattern="^(yes|no)$")],
) -> Response:
    """The member takes part in social tasks again, or opts out of them."""
    who = signed[0]
    cmd = engagement.TakePart(who.external_id, take_part == "yes", source="portal")
    return _earn_form(
        request, lang, prog, signed, csrf, "saved",
        lambda jf, key: engagement.take_part(jf.uow(), jf.clock, prog, cmd, key),
        f"portal:{who.id}:{nonce}",
    )  # fmt: skip


@router.post("/earn/tasks/{task}")
def submit_task(
    request: Request,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    task: str,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    reference: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    """The member sends their proof of a moderated task, for an operator to review."""
    who = signed[0]
    cmd = engagement.SubmitTask(who.external_id, task, reference)
    return _earn_form(
        request, lang, prog, signed, csrf, "sent",
        lambda jf, key: engagement.submit_task(jf.uow(), jf.clock, jf.rulebooks, prog, cmd, key),
        f"portal:{who.id}:{nonce}",
    )  # fmt: skip


@router.post("/earn/leaderboards")
def hide_from_boards(
    request: Request,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    hide: Annotated[str, Form(pattern="^(yes|no)$")],
) -> Response:
    """The member hides from leaderboards, or shows on them again."""
    who = signed[0]
    cmd = leaderboards.HideFromBoards(who.external_id, hide == "yes")
    return _earn_form(
        request, lang, prog, signed, csrf, "saved#boards-title",
        lambda jf, key: leaderboards.hide_from_boards(jf.uow(), jf.clock, prog, cmd, key),
        f"portal:{who.id}:{nonce}",
    )  # fmt: skip


def _earn_form(
    request: Request,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    csrf: str,
    done: str,
    work: Callable[[Jifen, str], object],
    key: str,
) -> Response:
    """An Earn more form: checked, done once per ``key``, then back to the page saying
    ``done``; refused, the page again with the reason."""
    check_token(csrf, signed[1].csrf)
    try:
        work(jifen(request), key)
    except JifenError as exc:
        return _earn(request, lang, prog, signed, error=exc.code, status=422)
    return RedirectResponse(f"/portal/earn?done={done}", status_code=303)


def _earn(
    request: Request,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    status: int = 200,
    **extra: object,
) -> Response:
    jf = jifen(request)
    who, session = signed
    found = engagement.earn_more(jf.uow(write=False), jf.clock, jf.rulebooks, prog, who.external_id)
    friends = engagement.member_referrals(jf.uow(write=False), jf.clock, prog, who.external_id)
    mine = challenges.member_challenges(
        jf.uow(write=False), jf.clock, jf.rulebooks, prog, who.external_id
    )
    boards = leaderboards.member_boards(
        jf.uow(write=False), jf.clock, jf.rulebooks, prog, who.external_id
    )
    return render(
        request,
        lang,
        "portal/earn.html",
        status,
        program=prog,
        earn=found,
        friends=friends,
        mine=mine,
        badges={b.badge.id: b.badge for b in mine.badges},
        badge_image=badge_image,
        units=shown.CHALLENGE_PROGRESS,
        boards=boards,
        hidden=who.hidden_from_boards,
        csrf=session.csrf,
        nonce=secrets.token_urlsafe(16),
        **extra,
    )


#: the badge pictures jifen ships (static/badges); a badge naming another shows the plain one
SHIPPED_BADGES = frozenset(p.name for p in (Path(__file__).parent / "static/badges").glob("*.svg"))


def badge_image(badge: Badge) -> str:
    return "/static/badges/" + (badge.image if badge.image in SHIPPED_BADGES else "badge.svg")

"""The portal's spending pages: rewards, the voucher wallet, the lottery, causes.

A redeem, a draw or a gift is a form with a one-off ``nonce``: it is the
write's idempotency key, so a double click or a reload of the POST does it once.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from math import ceil
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from jifen.domain.errors import JifenError
from jifen.entrypoints.web import scannable
from jifen.entrypoints.web.portal import (
    Lang,
    PageNotFound,
    Prog,
    Signed,
    check_token,
    jifen,
    render,
)
from jifen.services import members, redemption
from jifen.services.redemption import Donate, DrawLottery, RedeemReward, RewardView

router = APIRouter(prefix="/portal", include_in_schema=False)


@router.get("/rewards")
def rewards_page(request: Request, lang: Lang, prog: Prog, signed: Signed) -> Response:
    jf = jifen(request)
    who, session = signed
    mine = redemption.member_rewards(
        jf.uow(write=False), jf.clock, jf.rulebooks, prog, who.external_id
    )
    now = jf.clock.now()
    shown = [
        _offer(r, mine.available, now)
        for r in redemption.rewards(jf.uow(write=False), jf.clock, jf.rulebooks, prog)
        if not r.tiers or mine.tier in r.tiers
    ]
    shown.sort(key=lambda o: (not o["can"], o["missing"]))
    return render(
        request,
        lang,
        "portal/rewards.html",
        program=prog,
        available=mine.available,
        offers=shown,
        csrf=session.csrf,
    )


@router.get("/rewards/{code}")
def reward_page(request: Request, code: str, lang: Lang, prog: Prog, signed: Signed) -> Response:
    return _reward_page(request, lang, prog, signed, code)


@router.post("/rewards/{code}")
def redeem(
    request: Request,
    code: str,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
) -> Response:
    jf = jifen(request)
    cmd = RedeemReward(signed[0].external_id, code)
    try:
        done = redemption.redeem_reward(
            jf.uow(), jf.clock, jf.rulebooks, prog, cmd, _key(signed, csrf, nonce)
        )
    except JifenError as exc:
        return _reward_page(request, lang, prog, signed, code, 422, error=exc.code)
    return RedirectResponse(f"/portal/redemptions/{done.id}", status_code=303)


@router.get("/redemptions/{redemption_id}")
def redemption_page(
    request: Request, redemption_id: int, lang: Lang, prog: Prog, signed: Signed
) -> Response:
    jf = jifen(request)
    who, session = signed
    found = redemption.get_redemption(jf.uow(write=False), prog, redemption_id)
    if found.member != who.external_id:  # another member's: it does not exist for this one
        raise PageNotFound
    return render(
        request,
        lang,
        "portal/redemption.html",
        program=prog,
        done=found,
        names=_names(request, prog),
        qr={v.code: _qr(v.code) for v in found.vouchers},
        csrf=session.csrf,
    )


@router.get("/vouchers")
def wallet_page(request: Request, lang: Lang, prog: Prog, signed: Signed) -> Response:
    jf = jifen(request)
    who, session = signed
    mine = redemption.wallet(jf.uow(write=False), prog, who.external_id)
    return render(
        request,
        lang,
        "portal/vouchers.html",
        program=prog,
        vouchers=mine,
        names=_names(request, prog),
        qr={v.code: _qr(v.code) for v in mine if v.status == "issued"},
        csrf=session.csrf,
    )


@router.get("/lottery")
def lottery_page(request: Request, lang: Lang, prog: Prog, signed: Signed) -> Response:
    return _lottery(request, lang, prog, signed)


@router.post("/lottery/{code}")
def draw(
    request: Request,
    code: str,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
) -> Response:
    jf = jifen(request)
    cmd = DrawLottery(signed[0].external_id, code)
    try:
        made = redemption.draw(
            jf.uow(), jf.clock, jf.chance, jf.rulebooks, prog, cmd, _key(signed, csrf, nonce)
        )
    except JifenError as exc:
        return _lottery(request, lang, prog, signed, error=exc.code, status=422)
    return _lottery(request, lang, prog, signed, outcome=made.draws[0])


@router.get("/causes")
def causes_page(request: Request, lang: Lang, prog: Prog, signed: Signed) -> Response:
    return _causes(request, lang, prog, signed)


@router.post("/causes/{code}")
def give(
    request: Request,
    code: str,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    points: Annotated[int, Form(ge=1, le=10**9)],
) -> Response:
    jf = jifen(request)
    cmd = Donate(signed[0].external_id, code, points)
    try:
        gift = redemption.donate(
            jf.uow(), jf.clock, jf.rulebooks, prog, cmd, _key(signed, csrf, nonce)
        )
    except JifenError as exc:
        return _causes(request, lang, prog, signed, error=exc.code, status=422)
    return _causes(request, lang, prog, signed, gift=gift)


# --------------------------------------------------------------------------- helpers


def _reward_page(
    request: Request,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    code: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    found = _reward(request, prog, code)
    return _spending(request, lang, prog, signed, "portal/reward.html", status, found, **extra)


def _key(signed: Signed, csrf: str, nonce: str) -> str:
    """The write's idempotency key, once the form's CSRF token is checked."""
    who, session = signed
    check_token(csrf, session.csrf)
    return f"portal:{who.id}:{nonce}"


def _lottery(
    request: Request, lang: Lang, prog: Prog, signed: Signed, status: int = 200, **extra: Any
) -> Response:
    jf = jifen(request)
    shown = redemption.lotteries(jf.uow(write=False), jf.clock, jf.rulebooks, prog)
    return _spending(
        request, lang, prog, signed, "portal/lottery.html", status, lotteries=shown, **extra
    )


def _causes(
    request: Request, lang: Lang, prog: Prog, signed: Signed, status: int = 200, **extra: Any
) -> Response:
    jf = jifen(request)
    shown = redemption.causes(jf.uow(write=False), jf.clock, jf.rulebooks, prog)
    return _spending(
        request, lang, prog, signed, "portal/causes.html", status, causes=shown, **extra
    )


def _spending(
    request: Request,
    lang: Lang,
    prog: Prog,
    signed: Signed,
    template: str,
    status: int = 200,
    reward: RewardView | None = None,
    **extra: Any,
) -> Response:
    """A page with a spending form: the member's points, the CSRF token and a fresh nonce
    (and, for one reward, whether the member can have it)."""
    jf = jifen(request)
    who, session = signed
    me = members.get_member(jf.uow(write=False), jf.clock, prog, who.external_id)
    if reward is not None:
        extra["offer"] = _offer(reward, me.available, jf.clock.now())
    return render(
        request,
        lang,
        template,
        status,
        program=prog,
        available=me.available,
        nonce=secrets.token_urlsafe(16),
        csrf=session.csrf,
        **extra,
    )


def _offer(reward: RewardView, available: int, now: datetime) -> dict[str, Any]:
    sold_out = reward.remaining is not None and reward.remaining <= 0
    starts = reward.starts
    upcoming = starts is not None and now < starts
    missing = max(0, reward.points - available)
    return {
        "reward": reward,
        "missing": missing,
        "sold_out": sold_out,
        "upcoming": upcoming,
        "seconds_to_start": ceil((starts - now).total_seconds()) if starts and upcoming else None,
        "can": reward.available_now and not sold_out and missing == 0,
    }


def _reward(request: Request, prog: Prog, code: str) -> RewardView:
    jf = jifen(request)
    for r in redemption.rewards(jf.uow(write=False), jf.clock, jf.rulebooks, prog):
        if r.code == code:
            return r
    raise PageNotFound


def _names(request: Request, prog: Prog) -> dict[str, dict[str, str]]:
    jf = jifen(request)
    return redemption.reward_names(jf.uow(write=False), jf.rulebooks, prog)


def _qr(code: str) -> Markup:
    return scannable.qr(code.replace("-", ""))

"""Tasks, challenges, badges and leaderboards in the console: listed, added, changed and
removed through forms, each save published as the programme's next version like every
edit of the file (ADR 0036); the YAML stays for those who prefer it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.engagement_forms import (
    PRIZE_ROWS,
    BadgeForm,
    BoardForm,
    ChallengeForm,
    EntryForm,
    TaskForm,
    badge_entry,
    board_entry,
    challenge_entry,
    form_values,
    task_entry,
)
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, PageNotFound, jifen
from jifen.services import programs

router = APIRouter(prefix="/console", include_in_schema=False)
BADGES = sorted(p.name for p in (Path(__file__).parents[1] / "static" / "badges").glob("*.svg"))
F = TypeVar("F", bound=EntryForm)


@router.get("/engagement")
def engagement_page(
    request: Request, lang: Lang, prog: Prog, staff: Staff, done: str = "", name: str = ""
) -> Response:
    allow(staff, Permission.EDIT_PROGRAM)
    jf = jifen(request)
    found = programs.parts_of(jf.uow(write=False), jf.editor, prog)
    return page(
        request,
        lang,
        "console/engagement.html",
        staff,
        program=prog,
        lists=found.lists,
        badge_names={b.get("id"): b.get("name") or {} for b in found.lists["badges"]},
        base=found.version,
        done=done if done in ("saved", "added", "removed") else "",
        named=name[:64],
        images=BADGES,
    )


@router.get("/engagement/new/{part}")
def new_form(request: Request, part: str, lang: Lang, prog: Prog, staff: Staff) -> Response:
    return _form(request, lang, prog, staff, _part(part), None)


@router.get("/engagement/{part}/{name}")
def edit_form(
    request: Request, part: str, name: str, lang: Lang, prog: Prog, staff: Staff
) -> Response:
    return _form(request, lang, prog, staff, _part(part), name)


@router.post("/engagement/tasks")
def save_task(
    request: Request, lang: Lang, prog: Prog, staff: Staff, form: Annotated[TaskForm, Form()]
) -> Response:
    return _save(request, lang, prog, staff, "tasks", form, task_entry)


@router.post("/engagement/challenges")
def save_challenge(
    request: Request, lang: Lang, prog: Prog, staff: Staff, form: Annotated[ChallengeForm, Form()]
) -> Response:
    return _save(request, lang, prog, staff, "challenges", form, challenge_entry)


@router.post("/engagement/badges")
def save_badge(
    request: Request, lang: Lang, prog: Prog, staff: Staff, form: Annotated[BadgeForm, Form()]
) -> Response:
    return _save(request, lang, prog, staff, "badges", form, badge_entry)


@router.post("/engagement/leaderboards")
def save_board(
    request: Request, lang: Lang, prog: Prog, staff: Staff, form: Annotated[BoardForm, Form()]
) -> Response:
    return _save(request, lang, prog, staff, "leaderboards", form, board_entry)


@router.post("/engagement/{part}/{name}/remove")
def remove(
    request: Request,
    part: str,
    name: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    base: Annotated[int, Form(ge=0, le=10**9)],
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.EDIT_PROGRAM)
    jf = jifen(request)
    try:
        programs.remove_part(
            jf.uow(), jf.clock, jf.compile, jf.editor, prog, _part(part), name, staff[0].actor,
            base_version=base,
        )  # fmt: skip
    except JifenError as exc:
        return _form(request, lang, prog, staff, part, name, 422, error=exc.code, detail=exc.detail)
    return _back("removed", name)


def _save(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    part: str,
    form: F,
    to_entry: Callable[[F, dict[str, Any] | None], dict[str, Any]],
) -> Response:
    check(form.csrf, staff[1])
    allow(staff, Permission.EDIT_PROGRAM)
    jf = jifen(request)
    name = form.id.strip()
    try:
        found = programs.parts_of(jf.uow(write=False), jf.editor, prog)
        entry = to_entry(form, None if form.new else found.get(part, name))
        programs.put_part(
            jf.uow(), jf.clock, jf.compile, jf.editor, prog, part, entry, staff[0].actor,
            base_version=form.base, new=form.new,
        )  # fmt: skip
    except JifenError as exc:
        sent = form.model_dump(exclude={"csrf"})
        return _form(
            request, lang, prog, staff, part, None if form.new else name, 422,
            sent=sent, sent_base=form.base, error=exc.code, detail=exc.detail,
            bad=exc.params.get("field"),
        )  # fmt: skip
    return _back("added" if form.new else "saved", name)


def _form(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    part: str,
    name: str | None,
    status: int = 200,
    sent: dict[str, Any] | None = None,
    sent_base: int | None = None,
    **extra: Any,
) -> Response:
    """The form of ``part``'s entry ``name`` (None: a new one); after a refusal, what was
    sent, on the version it was sent from (a version published meanwhile is not taken
    for granted: saving again is refused until the page is reloaded)."""
    allow(staff, Permission.EDIT_PROGRAM)
    jf = jifen(request)
    found = programs.parts_of(jf.uow(write=False), jf.editor, prog)
    entry = found.get(part, name) if name is not None else None
    if name is not None and entry is None and status == 200:
        raise PageNotFound
    values = form_values(part, entry)
    if sent is not None:  # what the operator wrote stays in the form
        values |= {k: v for k, v in sent.items() if k not in ("prize_ranks", "prize_points")}
        if part == "leaderboards":
            rows = list(zip(sent["prize_ranks"], sent["prize_points"], strict=False))
            values["prizes"] = rows + [("", "")] * (PRIZE_ROWS - len(rows))
    return page(
        request,
        lang,
        "console/engagement_form.html",
        staff,
        status,
        program=prog,
        part=part,
        new=name is None,
        named=name or "",
        v=values,
        base=found.version if sent_base is None else sent_base,
        badges=found.lists["badges"],
        images=BADGES,
        **extra,
    )


def _back(done: str, name: str) -> Response:
    return RedirectResponse(f"/console/engagement?{urlencode({'done': done, 'name': name})}", 303)


def _part(part: str) -> str:
    if part not in programs.PARTS:
        raise PageNotFound
    return part

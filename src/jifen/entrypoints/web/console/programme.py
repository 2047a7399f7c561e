"""The programme in the console: edit the draft, preview a sample order, publish; and
the rules whose condition failed to evaluate these last days."""

from __future__ import annotations

from decimal import Decimal, DecimalException
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.bounds import MAX_VERSION
from jifen.domain.error_codes import ProgramCode
from jifen.domain.errors import InvalidInput, JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.rule_errors import failed_rules, preview_failures
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import earning, programs
from jifen.services.earning import LineIn, PlaceOrder

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/program")
def program_page(request: Request, lang: Lang, prog: Prog, staff: Staff) -> Response:
    allow(staff, Permission.EDIT_PROGRAM)
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
    base: Annotated[int, Form(ge=0, le=MAX_VERSION)],  # 0: none published yet
    member: Annotated[str, Form(max_length=128)] = "",
    lines: Annotated[str, Form(max_length=4000)] = "",
    paid: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.EDIT_PROGRAM)
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
        shown = earning.preview_order(
            jf.uow(write=False), jf.clock, jf.compile, jf.rulebooks, prog, source, order
        )
    except JifenError as exc:
        mistyped = exc.params.get("errors") if exc.code is ProgramCode.CONDITION_MISTYPED else None
        said = {"error": exc.code, "detail": exc.detail, "mistyped": mistyped}
        return _program(request, lang, prog, staff, source, base, 422, sample=sample, **said)
    failed = preview_failures(lang, shown.draft)
    return _program(
        request, lang, prog, staff, source, base, preview=shown, sample=sample, failed_draft=failed
    )


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
    failed = earning.rule_errors(jf.uow(write=False), jf.clock, jf.rulebooks, prog)
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
        failed=failed_rules(lang, failed),
        **extra,
    )


def _sample_order(member: str, lines: str, paid: str) -> PlaceOrder:
    """``sku, quantity, unit price[, category]`` per line; paid defaults to the lines' sum."""
    parsed = []
    for n, raw in enumerate(x for x in lines.splitlines() if x.strip()):
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) < 3 or not (parts[1].isascii() and parts[1].isdigit()):  # not ², ٣
            raise InvalidInput(f"line {n + 1}: write sku, quantity, unit price[, category]")
        parsed.append(
            LineIn(parts[0], int(parts[1]), parts[2], parts[3] if len(parts) > 3 else None)
        )
    if not parsed:
        raise InvalidInput("give the sample order at least one line")
    try:
        total = paid.strip() or str(sum(Decimal(x.unit_price) * x.quantity for x in parsed))
    except DecimalException:  # not a number, or one beyond what Decimal holds (1e999999999)
        raise InvalidInput("a unit price is a number such as 12.50") from None
    return PlaceOrder("preview", member.strip(), total, tuple(parsed))

"""The developer mailbox: the sign-in codes the outbox would send. Demo only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jifen.entrypoints.web.portal import Lang, Prog, jifen, render
from jifen.services import access

router = APIRouter(prefix="/dev", include_in_schema=False)


@router.get("/mailbox")
def mailbox(request: Request, lang: Lang, prog: Prog) -> Response:
    jf = jifen(request)
    sent = access.signin_codes_sent(jf.uow(write=False), jf.clock, prog, jf.settings.secret_key)
    return render(request, lang, "dev/mailbox.html", program=prog, sent=sent)

"""Bounds at the edge, before any parsing: a plain ASGI middleware.

* a body larger than ``max_bytes`` is a 413 (declared or streamed);
* JSON nested deeper than :data:`MAX_DEPTH` is a 400 ``json_too_deep`` (Python's parser
  and the validators recurse: a 64 KiB body of ``[[[[...`` would exhaust the stack);
* a NUL character (U+0000) anywhere in the path, the query, a JSON string or a form
  field is a 422 ``nul_character``: PostgreSQL cannot store one in text and SQLite
  would, so it is refused here, alike on both databases;
* a JSON string holding half of a surrogate pair (``"\\ud800"`` alone) is a 422
  ``lone_surrogate``: JSON's escapes let it through, but it is not Unicode text and no
  database can store it (PostgreSQL refuses it, SQLite would keep bytes nobody can read).

Each refusal is a :class:`Refusal`, said as problem+json; ``pages`` may say it otherwise
for the addresses it answers (the web forms: a page in the visitor's language).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jifen.domain.error_codes import RequestCode
from jifen.entrypoints.api.errors import problem

#: The deepest nesting of arrays and objects a JSON body may have
MAX_DEPTH = 32
NUL_ESCAPE = b"\\u0000"
#: A surrogate (U+D800 to U+DFFF) as an escape, in either case, or as raw bytes (which
#: are not UTF-8, but Python's JSON parser decodes a body's bytes with ``surrogatepass``)
SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


@dataclass(frozen=True)
class Refusal:
    """A request refused at the edge; ``close`` when its body was left unread."""

    status: int
    code: str
    detail: str
    params: dict[str, Any] | None = None
    close: bool = False

    def problem(self) -> Response:
        return problem(self.status, self.code, self.detail, self.params, close=self.close)


#: Another way to say a refusal for some addresses; None: problem+json
Pages = Callable[[Scope, Refusal], Response | None]


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, pages: Pages | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            await self._say(_nul("url"), scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        refusal = _refusal(bytes(body), content_type(scope))
        if refusal is not None:
            await self._say(refusal, scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_large = Refusal(
            413,
            "payload_too_large",
            f"the request body exceeds {self.max_bytes} bytes",
            {"max_bytes": self.max_bytes},
            close=True,
        )
        await self._say(too_large, scope, receive, send)

    async def _say(self, refusal: Refusal, scope: Scope, receive: Receive, send: Send) -> None:
        page = self.pages(scope, refusal) if self.pages else None
        await (page or refusal.problem())(scope, receive, send)


def content_type(scope: Scope) -> bytes:
    """The request's first ``Content-Type``, as Starlette and FastAPI read it (a request
    may send two: whoever looks at it must look at the same one)."""
    return next((v for k, v in scope["headers"] if k == b"content-type"), b"")


def _refusal(body: bytes, content_type: bytes) -> Refusal | None:
    """The answer to a body that is too deep or holds a NUL or half a surrogate, else None."""
    if not body or content_type.startswith(b"multipart/"):
        return None
    if content_type.startswith(b"application/x-www-form-urlencoded"):
        return _form_refusal(body)
    if b"\x00" in body:
        return _nul("body")
    if content_type.startswith(b"text/"):  # a programme's YAML: its reader bounds its depth
        return None
    if _too_deep(body):
        return Refusal(
            400,
            RequestCode.JSON_TOO_DEEP,
            f"the body nests arrays or objects deeper than {MAX_DEPTH} levels",
            {"max_depth": MAX_DEPTH},
        )
    escaped = NUL_ESCAPE in body or SURROGATE.search(body) is not None
    return _json_refusal(body) if escaped else None


def _form_refusal(body: bytes) -> Refusal | None:
    if b"%00" not in body and b"\x00" not in body:
        return None
    fields = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    return _nul(next((k for k, v in fields if "\x00" in k + v), "form"))


def _json_refusal(body: bytes) -> Refusal | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None  # FastAPI says malformed_json
    field = next(_fields_where(value, "", _has_nul), None)
    if field is not None:
        return _nul(field)
    field = next(_fields_where(value, "", lambda text: not _is_text(text)), None)
    return None if field is None else _surrogate(field)


def _too_deep(body: bytes) -> bool:
    """Whether JSON ``body`` nests deeper than allowed (strings skipped, not parsed)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _fields_where(value: object, at: str, wrong: Callable[[str], bool]) -> Iterator[str]:
    """The names of the strings and keys in ``value`` that are ``wrong``, in order."""
    if isinstance(value, str):
        if wrong(value):
            yield at or "body"
    elif isinstance(value, dict):
        for k, v in value.items():
            name = f"{at}.{k}" if at else str(k)
            if wrong(k):
                yield name
            yield from _fields_where(v, name, wrong)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _fields_where(v, f"{at}.{i}" if at else str(i), wrong)


def _has_nul(value: str) -> bool:
    return "\x00" in value


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(field: str) -> str:
    """``field`` as text that can be said: a NUL or half a surrogate pair as its escape."""
    return field.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _surrogate(field: str) -> Refusal:
    shown = _shown(field)
    return Refusal(
        422,
        RequestCode.LONE_SURROGATE,
        f"{shown}: a string holds half of a UTF-16 surrogate pair, which is not text",
        {"field": shown},
    )


def _nul(field: str) -> Refusal:
    return Refusal(
        422,
        RequestCode.NUL_CHARACTER,
        f"{_shown(field.replace(chr(0), ''))}: text may not hold a NUL character (U+0000)",
        {"field": _shown(field)},
    )

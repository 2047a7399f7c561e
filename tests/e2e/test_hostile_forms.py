"""No 500s and no raw codes from the web forms: every POST form answered with a page.

Every POST route under ``/console`` and ``/portal`` is read from the app's own routes, with
its form fields and path parameters, so a form added later is swept too: a route not named
in :data:`ROUTES`, or a field with no plausible value here, fails the test until it is.

Signed in (an admin in the console, a member in the portal, each with a valid CSRF token),
each request sends the form's plausible values with one made hostile: NUL characters,
10,000 characters, 10^15, 2^63, -1, 1e309, NaN, ², days of year 1 and 9999, naive and odd
date-times, the field missing, the field twice, bytes that are not UTF-8, and path ids of
2^63 and 99999999999999999999. The answer is never a 5xx; it is a redirect to one of our
pages, or a page in the request's language (zh-CN and en in turn) whose message is words,
not an error code; and when the form is refused, no table has changed. Last, each form
is sent as filled in and must be taken, so the refusals were the hostile values' doing.
"""

from __future__ import annotations

import html
import itertools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel

from jifen.adapters.db.tables import metadata
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.web import portal
from jifen.entrypoints.web.console import session as console
from jifen.services import access, engagement, ledger, members, programs, redemption
from jifen.services.engagement import Enrol
from jifen.services.ledger import Earn
from jifen.services.members import CreateMember
from jifen.services.redemption import RedeemReward
from tests.earning_fixtures import ROOT, publish
from tests.factories import FakeClock, key

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
FORM = "application/x-www-form-urlencoded"
LANGS = ("zh-CN", "en")
PAGES = ("/console", "/portal")

TEXTS: tuple[str, ...] = ("a\x00b", "x" * 10_000, "²", "", "9" * 20)
NUMBERS: tuple[str, ...] = (
    str(10**15),
    str(2**63),
    "-1",
    "1e309",
    "NaN",
    "²",
    "99999999999999999999",
    "1.5",
)
DAYS: tuple[str, ...] = (
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-03-02T00:00:00",
    "2026-03-02T00:00:00+14:00",
    "+20000-01-01",
)
ORDER_LINES: tuple[str, ...] = (
    f"rice, {10**15}, 1.00",
    f"rice, 1, {10**15}",
    "rice, 1, 1e309",
    "rice, 1, NaN",
    "rice, ², 1.00",
    f"rice, {2**63}, 1.00",
    "rice, 1, -1",
    "rice, 1, sNaN",
    "rice, 1, Infinity",
    "rice, 1, 1e999999999",
    "rice, ٣, 1.00",
)
PATH_VALUES: tuple[str, ...] = (
    str(2**63),
    "99999999999999999999",
    "-1",
    "²",
    "\x00",
    "x" * 2000,
)
NUMERIC_TEXT = frozenset({"spend", "paid"})  # numbers a form takes as text
#: What a number or a day field must refuse (not -1, 1.5 or empty: those may be meant)
BEYOND = frozenset(
    {*TEXTS[:3], str(10**15), str(2**63), "1e309", "NaN", "9" * 20, "99999999999999999999"}
    | set(DAYS[:3])
)

#: Plausible values of each form field; ``{name}`` is filled from :attr:`Shop.ids`.
FIELDS: dict[str, str] = {
    "contact": "c3@example.com",  # C-3: the sweep's own sign-ins are C-1's
    "username": "olga",
    "password": PASSWORD,
    "name": "New Operator",
    "role": "analyst",
    "active": "yes",
    "points": "100",
    "reason": "counted",
    "note": "",
    "tier": "silver",
    "until": "2027-01-31",
    "remaining": "50",
    "action": "preview",
    "source": "{source}",
    "base": "{base}",
    "member": "C-1",
    "lines": "rice, 1, 100.00, grain",
    "paid": "",
    "spend": "100.00",
    "reference": "",
    "receipt": "R-1",
    "store": "",
    "display_name": "Mei",
    "language": "en",
    "birthday": "1990-05-01",
    "referral_code": "",
    "marketing": "email",
    "joining": "",
    # the console's forms of tasks, challenges, badges and leaderboards: each edits one
    # entry (adding one each time would grow the file the sweep publishes hundreds of times)
    "new": "false",
    "name_zh": "新的一项",
    "name_en": "A new one",
    "how_zh": "",
    "how_en": "",
    "description_zh": "",
    "description_en": "",
    "kind": "survey",
    "proof": "automatic",
    "sources": "",
    "cap_day": "1",
    "cap_week": "",
    "cap_month": "",
    "cap_lifetime": "",
    "starts": "",
    "ends": "",
    "when": "",
    "who": "",
    "counts": "orders",
    "goal": "3",
    "activity": "",
    "categories": "vegetables",
    "skus": "",
    "tags": "",
    "in_a_row": "",
    "grace": "",
    "period": "month",
    "badge": "",
    "after_done": "keep",
    "image": "badge.svg",
    "metric": "points",
    "counter": "",
    "scope": "programme",
    "size": "10",
    "prize_ranks": "1",
    "prize_points": "100",
}
#: Every POST form, with its path's values and the values that differ from FIELDS.
ROUTES: dict[str, dict[str, str]] = {
    "/portal/sign-in": {},
    "/portal/code": {"code": "{signin_code}"},
    "/portal/join": {},
    "/portal/sign-out": {},
    "/portal/rewards/{code}": {"code": "eggs"},
    "/portal/lottery/{code}": {"code": "lucky-draw"},
    "/portal/causes/{code}": {"code": "food-bank"},
    "/portal/earn/leaderboards": {"hide": "yes"},
    "/portal/earn/tasks/{task}": {"task": "write-review", "reference": "https://r.example/1"},
    "/portal/earn/social-tasks": {"take_part": "yes"},  # C-1 stays in: a review is social
    "/console/sign-in": {},
    "/console/sign-out": {},
    "/console/members/{external_id}/adjust": {"external_id": "C-1"},
    "/console/members/{external_id}/tier": {"external_id": "C-1"},
    "/console/members/{external_id}/erase": {"external_id": "C-2", "confirm": "C-2"},
    "/console/catalogue/{code}/stock": {"code": "eggs"},
    "/console/program": {},
    "/console/till/consume": {"code": "{voucher}"},
    "/console/till/purchase": {"code": "{member_code}", "paid": "12.00", "receipt": "{fresh}"},
    "/console/operators": {"username": "{fresh}"},
    "/console/operators/{username}": {"username": "carl"},
    "/console/operators/{username}/password": {"username": "carl"},
    "/console/operators/{username}/unlock": {"username": "carl"},
    "/console/apikeys/{key_id}/revoke": {"key_id": "{key_id}"},
    "/console/apikeys/{key_id}/rotate": {"key_id": "{other_key_id}"},
    "/console/inbound": {"name": "{fresh}"},
    "/console/inbound/{name}/rotate": {"name": "weibo"},
    "/console/referrals/void": {"member": "C-4"},
    "/console/moderation/review": {"submission": "1", "decision": "reject"},
    "/console/engagement/tasks": {"id": "store-check-in", "kind": "check_in", "points": "10"},
    "/console/engagement/challenges": {"id": "try-three-new", "points": "50"},
    "/console/engagement/badges": {"id": "explorer"},
    "/console/engagement/leaderboards": {"id": "weekly-sharers", "period": "week"},
    "/console/engagement/{part}/{name}/remove": {"part": "challenges", "name": "check-in-week"},
}
#: A voucher for the till, added to the fresh market's catalogue
COUPON = """\
    - code: coupon
      kind: voucher
      name: {zh-CN: 十元券, en: Ten-yuan voucher}
      points: 100
      voucher: {valid_days: 30}
"""
#: What a refused sign-in writes on purpose: the try, counted against the door
DOOR_TABLES = frozenset({"audit_log", "door_attempts", "signin_codes"})
DOORS = frozenset({"/portal/sign-in", "/portal/join", "/portal/code", "/console/sign-in"})

ALERT = re.compile(r'<(p|div)[^>]*role="alert"[^>]*>(.*?)</\1>', re.S)
HEADING = re.compile(r"<main>.*?<h1[^>]*>(.*?)</h1>", re.S)
CJK = re.compile(r"[\u3400-\u9fff]")
RAW_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Form:
    path: str
    params: tuple[str, ...]  # in the path
    fields: tuple[tuple[str, bool], ...]  # (name, whether an integer)


@dataclass
class Shop:
    jf: Jifen
    http: TestClient
    program: Program
    ids: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    sent: int = 0
    accepted: set[str] = field(default_factory=set)  # forms that took some request
    known: tuple[str, dict[str, list[str]]] | None = None  # the last fingerprint, if current
    made: Iterator[int] = field(default_factory=itertools.count)

    def sign_in(self) -> None:
        """Sessions that a sign-out, a new password or a sign-in form may have ended."""
        self.known = None
        jf, secret = self.jf, self.jf.settings.secret_key
        staff = self.cookies.get(console.SESSION)
        if access.operator_signed_in(jf.uow(write=False), jf.clock, staff, secret) is None:
            token, session, _ = access.sign_in(
                jf.uow(), jf.clock, jf.passwords, "admin", PASSWORD, secret
            )
            self.cookies[console.SESSION], self.csrf["console"] = token, session.csrf
        member = self.cookies.get(portal.SESSION)
        read = jf.uow(write=False)
        if access.member_signed_in(read, jf.clock, self.program, member, secret) is None:
            self.cookies[portal.SESSION], self.csrf["portal"] = self._member_session()
            self.cookies[portal.TICKET] = self._ask_for_code()  # for the code form to try
        self.cookies[portal.ANON_CSRF] = self.csrf["anonymous"] = "anonymous-csrf-token"

    def _ask_for_code(self) -> str:
        """A code for C-1, beyond the doors' hourly limits (the sweep asks many times)."""
        self.known = None
        jf, many = self.jf, 10**6
        limits = access.SigninLimits(many, many, many, many)
        secret = jf.settings.secret_key
        return access.request_code(jf.uow(), jf.clock, self.program, "C-1", secret, limits=limits)

    def _member_session(self) -> tuple[str, str]:
        jf, secret = self.jf, self.jf.settings.secret_key
        ticket = self._ask_for_code()
        code = self._codes_sent()[0]["code"]
        token, session = access.verify_code(jf.uow(), jf.clock, self.program, ticket, code, secret)
        return token, session.csrf

    def _codes_sent(self) -> list[dict[str, Any]]:
        jf = self.jf
        read = jf.uow(write=False)
        return access.signin_codes_sent(read, jf.clock, self.program, jf.settings.secret_key, 1)

    def plausible(self, form: Form, name: str) -> str:
        if name == "csrf":
            return self.csrf["anonymous" if form.path in DOORS else form.path.split("/")[1]]
        if name == "nonce":
            return f"nonce-{next(self.made):08d}"
        value = ROUTES[form.path].get(name, FIELDS.get(name))
        assert value is not None, f"{form.path}: name a plausible value for {name!r} here"
        if value == "{base}":  # the version live now: the forms that publish move it
            return str(programs.versions(self.jf.uow(write=False), self.program).current)
        if value == "{signin_code}":  # a code just sent, its ticket in the browser
            self.cookies[portal.TICKET] = self._ask_for_code()
            return str(self._codes_sent()[0]["code"])
        return value.format(**self.ids, fresh=f"new{next(self.made)}")

    def fingerprint(self, form: Form) -> dict[str, list[str]]:
        """Every row of every table but those a door writes on each try, on purpose."""
        if self.known and self.known[0] == form.path:
            return self.known[1]  # nothing written since it was taken
        skip = DOOR_TABLES if form.path in DOORS else frozenset()
        with self.jf.engine.connect() as conn:
            return {
                t.name: sorted(repr(tuple(row)) for row in conn.execute(t.select()))
                for t in metadata.sorted_tables
                if t.name not in skip
            }

    def post(
        self, form: Form, url: str, body: bytes, failures: list[str], what: str, *, refused: bool
    ) -> None:
        lang = LANGS[self.sent % 2]
        self.sent += 1
        before = self.fingerprint(form)
        self.http.cookies.clear()
        for name, value in self.cookies.items():
            self.http.cookies.set(name, value)
        r = self.http.post(
            url,
            content=body,
            headers={"Content-Type": FORM, "Accept-Language": lang},
            follow_redirects=False,
        )
        wrong = judged(r, lang)
        self.known = None
        if wrong is None and r.status_code >= 400:
            after = self.fingerprint(form)
            self.known = (form.path, after)
            changed = [t for t in before if before[t] != after[t]]
            wrong = f"refused with {r.status_code} but changed {changed}" if changed else None
        if refused and r.status_code < 400:
            wrong = f"taken ({r.status_code}), though beyond any sensible value"
        if wrong:
            failures.append(f"{form.path} {what}: {wrong}")
        if r.status_code < 400:
            self.accepted.add(form.path)
            self.sign_in()


def judged(r: Any, lang: str) -> str | None:
    """What is wrong with an answer to a form, if anything."""
    if r.status_code >= 500:
        return f"{r.status_code} {r.text[:120]!r}"
    if r.is_redirect:
        target = r.headers["location"]
        return None if target.startswith(PAGES) else f"redirect to {target}"
    if not r.headers.get("content-type", "").startswith("text/html"):
        return f"{r.status_code} as {r.headers.get('content-type')}: {r.text[:120]!r}"
    if f'<html lang="{lang}">' not in r.text:
        return f"{r.status_code} not in {lang}"
    said = [words(m) for _, m in ALERT.findall(r.text)]
    if r.status_code >= 400 and not said:
        said = [words(m) for m in HEADING.findall(r.text)[:1]]
        if not said:
            return f"{r.status_code} without a message"
    for message in said:
        if RAW_CODE.match(message):
            return f"{r.status_code} shows the code {message!r}"
        if (lang == "zh-CN") != bool(CJK.search(message)):
            return f"{r.status_code} says {message!r} in {lang}"
    return None


def words(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).strip()


def forms(app: Any) -> list[Form]:
    found = []
    for route in iter_route_contexts(app.routes):
        if "POST" not in (route.methods or ()) or not route.path.startswith(PAGES):
            continue
        fields: tuple[tuple[str, bool], ...] = ()
        for f in route.dependant.body_params:
            model = f.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):  # a form's model
                fields += tuple((n, i.annotation is int) for n, i in model.model_fields.items())
            else:
                fields += ((f.name, model is int),)
        params = tuple(p.name for p in route.dependant.path_params)
        found.append(Form(route.path, params, fields))
    return found


def hostile(name: str, integer: bool) -> tuple[str, ...]:
    if name == "until":
        return TEXTS + DAYS
    if name == "lines":
        return TEXTS + ORDER_LINES
    if name == "source":  # beyond the edge's 64 KiB body limit
        return (*TEXTS, "x" * 70_000)
    if integer or name in NUMERIC_TEXT:
        return TEXTS + NUMBERS
    return TEXTS


def variants(shop: Shop, form: Form) -> Iterator[tuple[str, str, bytes, bool]]:
    """(what, url, body, refused): the plausible form with one thing made hostile, and
    whether it must be refused."""

    def url(**path: str) -> str:
        values = {p: path.get(p) or quote(shop.plausible(form, p), safe="") for p in form.params}
        return form.path.format(**values)

    def body(**changed: Any) -> bytes:
        pairs = []
        for name, _ in form.fields:
            value = changed.get(name, shop.plausible(form, name))
            for one in value if isinstance(value, list) else [value]:
                if one is not None:  # None: the field left out
                    raw = one if isinstance(one, bytes) else quote(one).encode()
                    pairs.append(quote(name).encode() + b"=" + raw)
        return b"&".join(pairs)

    for param in form.params:
        for value in PATH_VALUES:
            path = url(**{param: quote(value, safe="")})
            yield f"path {param}={value[:24]!r}", path, body(), False
    for name, integer in form.fields:
        numeric = integer or name in NUMERIC_TEXT or name == "until"
        for value in hostile(name, integer):
            refused = numeric and value in BEYOND
            yield f"{name}={value[:24]!r}", url(), body(**{name: value}), refused
        yield f"{name} missing", url(), body(**{name: None}), False
        yield f"{name} twice", url(), body(**{name: [shop.plausible(form, name), "²"]}), False
        yield f"{name} not UTF-8", url(), body(**{name: b"%ff%fe"}), False
        yield f"{name} raw bytes", url(), body(**{name: b"\xff\xfe"}), False
    if form.path in DOORS:  # the lockouts of the tries above have passed
        shop.jf.clock.advance(minutes=16)
    yield "as filled in", url(), body(), False


@pytest.fixture
def jf(database_url: str, clock: FakeClock) -> Iterator[Jifen]:
    settings = Settings(
        database_url=database_url,
        signin_floor_ms=0,
        signin_codes_per_address=100_000,
        signin_codes_per_hour=1_000_000,
    )
    app = bootstrap(settings, clock=clock)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def shop(jf: Jifen) -> Iterator[Shop]:
    fresh = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program = publish(jf, source=re.sub(r"(\n  catalogue:.*\n)", rf"\1{COUPON}", fresh, count=1))
    for who in ("C-1", "C-2", "C-3"):
        contact = CreateMember(who, None, f"{who.lower().replace('-', '')}@example.com")
        members.create_member(jf.uow(), jf.clock, program, contact, key("join"))
        ledger.earn(jf.uow(), jf.clock, program, Earn(who, 50_000), key("earn"))
    code = members.get_member(jf.uow(write=False), jf.clock, program, "C-1").referral_code
    cmd = Enrol("C-4", email="c4@example.com", referral_code=code)  # a friend, to void
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key("enrol"))
    proof = engagement.SubmitTask("C-2", "write-review", "https://r.example/c2")  # to review
    engagement.submit_task(jf.uow(), jf.clock, jf.rulebooks, program, proof, key("submit"))
    for name, role in (("admin", "admin"), ("olga", "operator"), ("carl", "cashier")):
        access.create_operator(jf.uow(), jf.clock, jf.passwords, name, name, role, PASSWORD, "t")
    done = redemption.redeem_reward(
        jf.uow(), jf.clock, jf.rulebooks, program, RedeemReward("C-1", "coupon"), key("redeem")
    )
    for name in ("till", "shop"):
        access.create_key(jf.uow(), jf.clock, program, name, ["admin"], "t")
    keys = access.list_keys(jf.uow(write=False), program)
    engagement.add_source(jf.uow(), jf.clock, program, "weibo", "t")  # to rotate
    versions = programs.versions(jf.uow(write=False), program)
    ids = {
        "voucher": done.vouchers[0].code,
        "member_code": str(
            members.get_member(jf.uow(write=False), jf.clock, program, "C-1").member_code
        ),
        "key_id": str(keys[0].id),
        "other_key_id": str(keys[1].id),
        "base": str(versions.current),
        "source": programs.version_source(jf.uow(write=False), program, versions.current or 1),
    }
    with TestClient(create_app(jf), raise_server_exceptions=False) as http:
        found = Shop(jf, http, program, ids)
        found.sign_in()
        yield found


def test_every_form_of_the_console_and_the_portal_is_swept(shop: Shop) -> None:
    assert sorted(f.path for f in forms(shop.http.app)) == sorted(ROUTES)


def test_no_form_answers_a_5xx_or_a_raw_code_and_a_refusal_changes_nothing(shop: Shop) -> None:
    started = time.monotonic()
    failures: list[str] = []
    # the forms that end the sweep's own sessions go last, so they are swept signed in
    for form in sorted(forms(shop.http.app), key=lambda f: f.path.endswith("sign-out")):
        shop.sign_in()
        for what, url, body, refused in variants(shop, form):
            shop.post(form, url, body, failures, what, refused=refused)
    took = time.monotonic() - started
    assert not failures, f"{len(failures)} of {shop.sent}:\n" + "\n".join(failures)
    # each form took its plausible values: the refusals were the hostile values' doing
    assert sorted(set(ROUTES) - shop.accepted) == []
    assert shop.sent > 500
    # a budget per request (forms are added, each swept whole), and one for CI's sake
    assert took / shop.sent < 0.1, f"{took / shop.sent * 1000:.0f} ms a request"
    assert took < 240, f"the sweep took {took:.0f} s"

"""Inbound webhooks: the platforms that say a task was done, their secrets, and what they
send (ADR 0033).

An operator adds a source (``add_source``: its secret is shown once) and rotates its secret
(``rotate_source``: the old one is accepted for ``ROTATION_GRACE`` more). A source posts
``{"type": "task.completed", "data": {"member" or "member_code", "task", "reference"}}``
signed as Standard Webhooks says. ``receive`` checks the signature and the time before it
reads the body; a request that fails is ``401 webhook_refused`` and changes nothing. The
message id is its idempotency key: the same message again answers as the first did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from jifen.domain.engagement.codes import member_code
from jifen.domain.engagement.inbound import ROTATION_GRACE, new_secret, verified
from jifen.domain.engagement.tasks import Proof
from jifen.domain.error_codes import EngagementCode
from jifen.domain.errors import Conflict, InvalidInput, MemberNotFound, NotFound, Unauthenticated
from jifen.domain.programs import Program
from jifen.services.earning import EarnResult
from jifen.services.engagement.ports import EngagementWork, InboundSource
from jifen.services.engagement.tasks import CompleteTask, complete_in
from jifen.services.idempotency import Keyed, once
from jifen.services.ports import Clock, KeyScope
from jifen.services.rulebooks import Rulebooks

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
COMPLETED = "task.completed"


@dataclass(frozen=True)
class SourceView:
    name: str
    created_at: datetime
    rotated_at: datetime | None
    previous_until: datetime | None  # the old secret is accepted until then


@dataclass(frozen=True)
class NewSecret:
    name: str
    secret: str  # shown once: give it to the platform


def add_source(
    uow: EngagementWork, clock: Clock, program: Program, name: str, actor: str
) -> NewSecret:
    """A platform that may say a task was done, with a new secret."""
    _check_name(name)
    now, secret = clock.now(), new_secret()
    with uow:
        if not uow.inbound_sources.add(program.id, name, secret, now):
            raise Conflict(
                f"the programme has an inbound source {name!r}",
                code=EngagementCode.INBOUND_SOURCE_EXISTS,
            )
        uow.audit.record(program.id, actor, "inbound.add", name, {}, now)
        uow.commit()
    return NewSecret(name, secret)


def rotate_source(
    uow: EngagementWork, clock: Clock, program: Program, name: str, actor: str
) -> NewSecret:
    """A new secret for the source; the one it replaces is accepted a day more."""
    now, secret = clock.now(), new_secret()
    with uow:
        _source(uow, program, name)
        uow.inbound_sources.rotate(program.id, name, secret, now + ROTATION_GRACE, now)
        uow.audit.record(program.id, actor, "inbound.rotate", name, {}, now)
        uow.commit()
    return NewSecret(name, secret)


def list_sources(uow: EngagementWork, program: Program) -> list[SourceView]:
    with uow:
        found = uow.inbound_sources.all(program.id)
    return [SourceView(s.name, s.created_at, s.rotated_at, s.previous_until) for s in found]


def receive(
    uow: EngagementWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    name: str,
    headers: Mapping[str, str],
    body: bytes,
) -> EarnResult:
    """A task completed, as ``name`` says in a signed request; once per message id."""
    now = clock.now()
    with uow:
        source = uow.inbound_sources.get(program.id, name) if NAME.fullmatch(name) else None
        message_id = None if source is None else verified(headers, body, _keys(source, now), now)
        if message_id is None:
            raise Unauthenticated(
                "the webhook's source, timestamp or signature is refused",
                code=EngagementCode.WEBHOOK_REFUSED,
            )
        cmd = _completion(uow, program, _data(body))
        call = Keyed(program, cmd, f"inbound:{name}:{message_id}", now, scope=KeyScope.JIFEN)
        done = partial(complete_in, rulebooks=rulebooks, proof=Proof.WEBHOOK, source=name)
        return once(uow, call, done)


def _keys(source: InboundSource, now: datetime) -> list[str]:
    keys = [source.secret]
    if source.previous_secret and source.previous_until and source.previous_until > now:
        keys.append(source.previous_secret)
    return keys


def _data(body: bytes) -> dict[str, Any]:
    try:  # whatever its content type says: the edge reads text/* bodies as text
        message = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidInput("the body is not JSON (or is nested too deep)") from None
    if not isinstance(message, dict) or message.get("type") != COMPLETED:
        raise InvalidInput(f"the message's type must be {COMPLETED}", field="type")
    data = message.get("data")
    if not isinstance(data, dict):
        raise InvalidInput("the message has no data object", field="data")
    return data


def _text(value: object) -> bool:
    """A string a database can keep: no NUL, no half of a surrogate pair."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _completion(uow: EngagementWork, program: Program, data: dict[str, Any]) -> CompleteTask:
    for name in ("task", "reference", "member", "member_code"):
        if name in data and data[name] is not None and not _text(data[name]):
            raise InvalidInput(f"data.{name} must be text", field=f"data.{name}")
    task, reference = data.get("task"), data.get("reference", "")
    if not isinstance(task, str) or not task or len(task) > 64:
        raise InvalidInput("data.task must name one of the programme's tasks", field="data.task")
    if not isinstance(reference, str) or len(reference) > 512:
        raise InvalidInput("data.reference must be text of 512 characters or fewer",
                           field="data.reference")  # fmt: skip
    who = data.get("member")
    code = data.get("member_code")
    if isinstance(code, str) and who is None:
        found = member_code(code)
        member = None if found is None else uow.members.by_member_code(program.id, found)
        if member is None:
            raise MemberNotFound(code)
        who = member.external_id
    if not isinstance(who, str) or not who or len(who) > 128:
        raise InvalidInput("data.member (or data.member_code) names the member",
                           field="data.member")  # fmt: skip
    return CompleteTask(who, task, reference)


def _check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise InvalidInput(
            "a source's name is 1 to 64 lower-case letters, digits, - and _",
            code=EngagementCode.INBOUND_SOURCE_NAME,
            field="name",
        )


def _source(uow: EngagementWork, program: Program, name: str) -> InboundSource:
    found = uow.inbound_sources.get(program.id, name)
    if found is None:
        raise NotFound(
            f"the programme has no inbound source {name!r}",
            code=EngagementCode.INBOUND_SOURCE_NOT_FOUND,
        )
    return found

"""Exactly-once writes: a retried request replays the first response.

The key is claimed inside the same transaction as the write, so the stored
response and the ledger change commit or roll back together. A concurrent
retry waits on the key (PostgreSQL's unique index; SQLite's single writer)
and then replays. Failed requests store nothing: a retry runs again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache, partial
from typing import Any, Generic, TypeVar

import orjson

from jifen.domain.error_codes import RequestCode
from jifen.domain.errors import IdempotencyConflict, InvalidRequest
from jifen.domain.programs import Program
from jifen.services.ports import KeyScope, SharedWork, StoredResponse

R = TypeVar("R")
C = TypeVar("C")
W = TypeVar("W", bound=SharedWork)
MAX_KEY_LENGTH = 255


def require_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise InvalidRequest(
            "an Idempotency-Key is required for every write",
            code=RequestCode.IDEMPOTENCY_KEY_REQUIRED,
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidRequest(
            f"an Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters",
            code=RequestCode.IDEMPOTENCY_KEY_INVALID,
        )
    return key


def fingerprint(command: object) -> str:
    body = json.dumps([type(command).__name__, encode(command)], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Keyed(Generic[C]):
    """A write from outside, done once per key: its programme, its command, the key, when.

    ``fingerprint`` is the command's, computed here unless a batch has it already: the
    same key sent again with another command is refused. ``scope`` says whose the key
    is: a caller's (the default: a key that came with the request) or jifen's own (made
    from an order's, a refund's, a gift's id), so that no caller's key can take one of
    jifen's.
    """

    program: Program
    command: C
    key: str
    now: datetime
    fingerprint: str = ""
    scope: KeyScope = KeyScope.CALLER

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", fingerprint(self.command))


def once(uow: W, call: Keyed[C], body: Callable[[W, Keyed[C]], R], *, commit: bool = True) -> R:
    """Run ``body(uow, call)`` once per ``call.key``; call inside ``with uow``.

    Every write from outside has this shape: the public use case checks its input and
    opens the unit of work, and its body (a plain function of the unit of work and the
    keyed call) does the work. A key used before replays its first answer, whose type is
    the body's return annotation. Commits, unless ``commit`` is false (a batch commits).
    """
    program_id, scope = call.program.id, call.scope
    key = require_key(call.key)
    stored = uow.idempotency.claim(program_id, key, call.fingerprint, call.now, scope)
    if stored is not None:
        return replayed(stored, call.fingerprint, call.key, answer_type(body))
    result = body(uow, call)
    uow.idempotency.record(program_id, call.key, encode(result), scope)
    if commit:
        uow.commit()
    return result


def answer_type(body: Callable[..., R]) -> type[R]:
    """What ``body`` returns, from its annotation (through ``functools.partial``)."""
    while isinstance(body, partial):
        body = body.func
    return typing.cast(type[R], _returns(body))


@cache
def _returns(fn: Callable[..., Any]) -> Any:
    return typing.get_type_hints(fn)["return"]


def replayed(stored: StoredResponse, sent: str, key: str, result_type: type[R]) -> R:
    """The first response to ``key``, if this request (its fingerprint ``sent``) is the
    same as the first."""
    if stored.fingerprint != sent or stored.response is None:
        raise IdempotencyConflict("this Idempotency-Key was used for a different request", key=key)
    return dataclasses.replace(decode(result_type, stored.response), replayed=True)  # type: ignore[type-var]


def encode(obj: object) -> dict[str, Any]:
    """A dataclass as JSON's values: what ``json.loads(json.dumps(asdict(obj)))`` gives.

    Dates are ISO strings, decimals strings, enums their values. orjson walks the
    dataclasses in C (a fifth of a batch's CPU went to walking them in Python); what it
    cannot encode (an integer beyond 64 bits) is walked here, as before.
    """
    try:
        return typing.cast(
            dict[str, Any], orjson.loads(orjson.dumps(obj, default=_decimal, option=_KEYS))
        )
    except TypeError:  # orjson.JSONEncodeError is one
        return typing.cast(dict[str, Any], _plain(obj))


_KEYS = orjson.OPT_NON_STR_KEYS  # ``{1: x}`` as JSON writes it: ``{"1": x}``


def _decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _plain(value: Any) -> Any:
    exact = _EXACT.get(type(value))  # this runs for every value of every write
    if exact is not None:
        return exact(value)
    if isinstance(value, Enum):
        return _plain(value.value)
    names = _FIELDS.get(type(value))
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        out = {}
        for name in names:  # the common values inline: a call each costs more than the rest
            v = getattr(value, name)
            out[name] = v if type(v) in _SCALARS else _plain(v)
        return out
    return _plain_subclass(value)


#: Each dataclass's field names, learnt once (``dataclasses.fields`` costs a walk each time)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain_subclass(value: Any) -> Any:
    if isinstance(value, str | int | float):  # as JSON writes a str or int subclass
        return json.loads(json.dumps(value))
    for kind, convert in _EXACT.items():
        if isinstance(value, kind):
            return convert(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _same(value: Any) -> Any:
    return value


def _plain_dict(value: dict[Any, Any]) -> dict[str, Any]:
    return {
        (k if type(k) is str else _key(k)): (v if type(v) in _SCALARS else _plain(v))
        for k, v in value.items()
    }


def _plain_list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [v if type(v) in _SCALARS else _plain(v) for v in value]


def _iso(value: date) -> str:
    return value.isoformat()


_EXACT: dict[type, Callable[[Any], Any]] = {
    str: _same,
    int: _same,
    float: _same,
    bool: _same,
    type(None): _same,
    dict: _plain_dict,
    list: _plain_list,
    tuple: _plain_list,
    datetime: _iso,
    date: _iso,
    Decimal: str,
}


#: values JSON holds as they are (exactly these types: a subclass goes through ``_plain``)
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _key(key: Any) -> str:
    """A mapping's key as JSON writes it: ``1`` becomes ``"1"``, ``True`` ``"true"``."""
    if type(key) is str:
        return key
    return typing.cast(str, next(iter(json.loads(json.dumps({_plain(key): 0})))))


def decode(cls: type[R], data: dict[str, Any]) -> R:
    hints = typing.get_type_hints(cls)
    kwargs = {
        f.name: _coerce(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in data
    }
    return cls(**kwargs)


_PARSERS: dict[Any, Callable[[Any], Any]] = {
    datetime: datetime.fromisoformat,
    date: date.fromisoformat,
}


def _coerce(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if value is None:
        result = None
    elif origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        result = _coerce(inner[0], value) if len(inner) == 1 else value
    elif origin is tuple:
        item = typing.get_args(hint)[0]
        result = tuple(_coerce(item, v) for v in value)
    elif hint in _PARSERS:
        result = _PARSERS[hint](value)
    elif dataclasses.is_dataclass(hint) and isinstance(hint, type):
        result = decode(hint, value)
    else:
        result = value
    return result

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
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from jifen.domain.errors import IdempotencyConflict, InvalidRequest
from jifen.services.ports import UnitOfWork

R = TypeVar("R")
MAX_KEY_LENGTH = 255


def require_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise InvalidRequest(
            "an Idempotency-Key is required for every write", code="idempotency_key_required"
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidRequest(
            f"an Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters",
            code="idempotency_key_invalid",
        )
    return key


def fingerprint(command: object) -> str:
    body = json.dumps([type(command).__name__, encode(command)], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def once(
    uow: UnitOfWork,
    program_id: int,
    key: str,
    command: object,
    now: datetime,
    result_type: type[R],
    work: Callable[[], R],
    *,
    commit: bool = True,
) -> R:
    """Run ``work`` once per ``key``; call inside ``with uow``.

    Commits, unless ``commit`` is false: then the caller commits (a batch).
    """
    print_ = fingerprint(command)
    stored = uow.idempotency.claim(program_id, require_key(key), print_, now)
    if stored is not None:
        if stored.fingerprint != print_ or stored.response is None:
            raise IdempotencyConflict(
                "this Idempotency-Key was used for a different request", key=key
            )
        return dataclasses.replace(decode(result_type, stored.response), replayed=True)  # type: ignore[type-var]
    result = work()
    uow.idempotency.record(program_id, key, encode(result))
    if commit:
        uow.commit()
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode(obj: object) -> dict[str, Any]:
    data = dataclasses.asdict(obj)  # type: ignore[call-overload]
    return typing.cast(dict[str, Any], json.loads(json.dumps(data, default=_plain)))


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

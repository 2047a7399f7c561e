"""Idempotency keys, the outbox, its relay and the audit log."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.through import Through
from jifen.services.ports import (
    AuditLog,
    IdempotencyKeys,
    KeyScope,
    Outbox,
    OutboxEvent,
    OutboxRelay,
    StoredResponse,
)


class BatchKeys(Through[IdempotencyKeys]):
    """Keeps: ``claim`` and ``record`` of a key the batch claimed (``know_keys``, jifen's
    own keys): the first claim is the request's own, a later one replays what it
    recorded. Other keys, a caller's among them, and the other methods, pass through."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.idempotency)

    def _own(self, program_id: int, key: str, scope: KeyScope) -> bool:
        return (
            scope is KeyScope.JIFEN
            and program_id == self.batch.program_id
            and key in self.batch.claimed
        )

    def claim(
        self,
        program_id: int,
        key: str,
        fingerprint: str,
        now: datetime,
        scope: KeyScope = KeyScope.CALLER,
    ) -> StoredResponse | None:
        if not self._own(program_id, key, scope):
            return self.written().claim(program_id, key, fingerprint, now, scope)
        if key in self.batch.answered:  # used earlier in this batch
            return StoredResponse(self.batch.claimed[key], self.batch.answered[key])
        return None  # claimed for this batch, not used yet: it is this request's

    def record(
        self,
        program_id: int,
        key: str,
        response: dict[str, Any],
        scope: KeyScope = KeyScope.CALLER,
    ) -> None:
        if not self._own(program_id, key, scope):
            self.written().record(program_id, key, response, scope)
            return
        self.batch.answered[key] = response
        self.batch.kept.responses[key] = response

    # -- passing through ------------------------------------------------------------

    def claim_many(self, program_id: int, keys: Mapping[str, str], now: datetime) -> set[str]:
        return self.written().claim_many(program_id, keys, now)

    def record_many(self, program_id: int, responses: Mapping[str, dict[str, Any]]) -> None:
        self.written().record_many(program_id, responses)

    def stored_many(self, program_id: int, keys: Collection[str]) -> dict[str, StoredResponse]:
        return self.written().stored_many(program_id, keys)


class BatchOutbox(Through[Outbox]):
    """Keeps: ``add`` and ``add_many`` in the batch's programme, in order.
    ``add_events`` and other programmes' events write what is kept first."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.outbox)

    def add(self, program_id: int, topic: str, payload: dict[str, Any], now: datetime) -> None:
        if program_id != self.batch.program_id:
            self.written().add(program_id, topic, payload, now)
            return
        self.batch.kept.events.append((topic, payload, now))

    def add_many(
        self,
        program_id: int,
        topic: str,
        payloads: Sequence[dict[str, Any]],
        now: datetime,
    ) -> None:
        for payload in payloads:
            self.add(program_id, topic, payload, now)

    def add_events(
        self,
        program_id: int,
        events: Sequence[tuple[str, dict[str, Any], datetime]],
    ) -> None:
        self.written().add_events(program_id, events)


class BatchOutboxRelay(Through[OutboxRelay]):
    """Not wrapped: every method writes what is kept first."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.outbox_relay)

    def unpublished(self, limit: int) -> list[OutboxEvent]:
        return self.written().unpublished(limit)

    def mark_published(self, ids: Sequence[int], now: datetime) -> int:
        return self.written().mark_published(ids, now)

    def latest(self, program_id: int, topic: str, limit: int) -> list[OutboxEvent]:
        return self.written().latest(program_id, topic, limit)


class BatchAudit(Through[AuditLog]):
    """Not wrapped: writes what is kept first, so the log's order is the writes' order."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.audit)

    def record(
        self,
        program_id: int | None,
        actor: str,
        action: str,
        target: str | None,
        detail: dict[str, Any],
        now: datetime,
    ) -> None:
        self.written().record(program_id, actor, action, target, detail, now)

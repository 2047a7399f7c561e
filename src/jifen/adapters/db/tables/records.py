"""The records every area writes beside its own: idempotency keys, the outbox, the audit log."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, Json, UTCDateTime

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("program_id", Id, ForeignKey("programs.id"), primary_key=True),
    # whose the key is: "caller" (sent with a request) or "jifen" (made from its own ids)
    Column("scope", String(8), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("response", Json),
    Column("created_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("payload", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
)
Index(
    "ix_outbox_unpublished",
    outbox.c.id,
    postgresql_where=outbox.c.published_at.is_(None),
    sqlite_where=outbox.c.published_at.is_(None),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id")),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(128)),
    Column("detail", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

"""The nightly pipeline (migration 0005): its checkpoints, the reminders it sent, its index."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)

from jifen.adapters.db.tables.ledger import lots
from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, Json, UTCDateTime

pipeline_runs = Table(
    "pipeline_runs",
    metadata,  # one row per step of a night: moved on in the same transaction as each chunk
    Column("program_id", Id, ForeignKey("programs.id"), primary_key=True),
    Column("day", Date, primary_key=True),  # the local day the run is for
    Column("step", String(64), primary_key=True),
    Column("cutoff", UTCDateTime, nullable=False),  # that day's first instant, local time
    Column("cursor", BigInteger, nullable=False),  # every member up to this id is done
    Column("counts", Json, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)

expiry_reminders = Table(
    "expiry_reminders",
    metadata,  # each `points.expiry_approached` event sent: once per member, last day and horizon
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("day", Date, nullable=False),  # the last local day the points can be used
    Column("horizon", Integer, nullable=False),  # 30, 7 or 1 days
    Column("days", Integer, nullable=False),  # days ahead when sent (1 = ends tonight)
    Column("points", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("member_id", "day", "horizon", name="uq_expiry_reminders_member_day"),
)
Index("ix_expiry_reminders_day", expiry_reminders.c.program_id, expiry_reminders.c.day)

# The pipeline walks members in id order and asks for the next ones with work due:
# ix_lots_member_open answers for expiring lots (the heap check is cheap), this one for
# the few pending lots without reading every open lot.
Index(
    "ix_lots_member_pending",
    lots.c.member_id,
    lots.c.available_at,
    postgresql_where=text("pending AND remaining > 0"),
    sqlite_where=text("pending AND remaining > 0"),
)

"""A programme's settings, and every version of its file published."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, Json, UTCDateTime

programs = Table(
    "programs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", Json, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("point_value", String(32), nullable=False),  # a decimal, kept exact as text
    Column("timezone", String(64), nullable=False),
    Column("policy", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("current_version", Integer),  # the published version earning uses now
)

program_versions = Table(
    "program_versions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("source", Text, nullable=False),  # the programme file, as published
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", String(128), nullable=False),
    UniqueConstraint("program_id", "version", name="uq_program_versions_version"),
)

"""Engagement: what members agreed to (the consents given at enrolment and changed since,
social tasks included) and the platforms that say a task was done; challenges, badges and
leaderboards come here too."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, UTCDateTime

consents = Table(
    "consents",
    metadata,  # appended, never updated: a member's answer is their latest row (ADR 0031)
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("purpose", String(32), nullable=False),  # marketing
    Column("channel", String(16), nullable=False),  # email, sms, push
    Column("granted", Boolean, nullable=False),
    Column("source", String(16), nullable=False),  # portal, api, console
    Column("recorded_at", UTCDateTime, nullable=False),
)
Index("ix_consents_member", consents.c.member_id, consents.c.purpose, consents.c.channel)

inbound_sources = Table(
    "inbound_sources",
    metadata,  # who may say a task was done, by a signed webhook (ADR 0033)
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("name", String(64), nullable=False),  # in the webhook's address
    Column("secret", Text, nullable=False),  # whsec_..., shared with the platform
    Column("previous_secret", Text),  # still accepted until previous_until (a rotation)
    Column("previous_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("rotated_at", UTCDateTime),
    UniqueConstraint("program_id", "name", name="uq_inbound_sources_program_name"),
)

"""Engagement: what members agreed to hear about (the consents given at enrolment and
changed since); referral, tasks, challenges, badges and leaderboards come here too."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table

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

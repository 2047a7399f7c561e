"""Engagement: what members agreed to (the consents given at enrolment and changed since,
social tasks included), the platforms that say a task was done, and how far members came
in challenges and the badges they hold (ADR 0034); leaderboards come here too."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, Json, UTCDateTime

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

challenge_progress = Table(
    "challenge_progress",
    metadata,  # a member's round of a challenge: written with the order or activity
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("challenge_id", String(64), nullable=False),
    Column("round", String(32), nullable=False),  # "all", or the period: "month:2026-12"
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("tally", Json, nullable=False),  # amount per unit (period, product or "")
    Column("value", BigInteger, nullable=False),  # measure(tally), for reports
    Column("done_at", UTCDateTime),  # the goal reached: rewarded then
    Column("entry_id", Id),  # the reward's points
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("member_id", "challenge_id", "round", name="pk_challenge_progress"),
)
Index(
    "ix_challenge_progress_program",
    challenge_progress.c.program_id,
    challenge_progress.c.challenge_id,
    challenge_progress.c.round,
)

member_badges = Table(
    "member_badges",
    metadata,  # a badge is held once; members.badges lists them for the rules
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("badge", String(64), nullable=False),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("challenge_id", String(64), nullable=False),  # the challenge that gave it
    Column("round", String(32), nullable=False),
    Column("awarded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("member_id", "badge", name="pk_member_badges"),
)

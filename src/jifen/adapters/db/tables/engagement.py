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
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
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

task_submissions = Table(
    "task_submissions",
    metadata,  # a member's proof of a moderated task, until an operator reviews it
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("reference", Text, nullable=False),  # the link, or the photo's reference
    Column("status", String(16), nullable=False),  # pending, approved, rejected
    Column("reason", Text),  # a rejection's
    Column("points", BigInteger, nullable=False, server_default=text("0")),  # paid
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("reviewed_at", UTCDateTime),
    Column("reviewed_by", String(128)),
)
Index(
    "ix_task_submissions_queue",
    task_submissions.c.program_id,
    task_submissions.c.status,
    task_submissions.c.submitted_at,
)
Index("ix_task_submissions_member", task_submissions.c.member_id, task_submissions.c.task_id)

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

leaderboard_scores = Table(
    "leaderboard_scores",
    metadata,  # a member's score on a board's period in one place (ADR 0035)
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("board_id", String(64), nullable=False),
    Column("period", String(16), nullable=False),  # week:2026-W49, month:2026-12
    Column("scope_key", String(64), nullable=False),  # "" (the programme), a store, a city
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("score", BigInteger, nullable=False),
    Column("hidden", Boolean, nullable=False),  # the member hides from boards: not counted
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint(
        "member_id", "board_id", "period", "scope_key", name="pk_leaderboard_scores"
    ),
)
Index(
    "ix_leaderboard_scores_top",
    leaderboard_scores.c.program_id,
    leaderboard_scores.c.board_id,
    leaderboard_scores.c.period,
    leaderboard_scores.c.scope_key,
    leaderboard_scores.c.hidden,
    leaderboard_scores.c.score.desc(),
    leaderboard_scores.c.member_id,
)

leaderboard_counts = Table(
    "leaderboard_counts",
    metadata,  # shown members per score (level 0) and per block of scores (level 1)
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("board_id", String(64), nullable=False),
    Column("period", String(16), nullable=False),
    Column("scope_key", String(64), nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("key", BigInteger, nullable=False),  # the score, or its block
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint(
        "program_id",
        "board_id",
        "period",
        "scope_key",
        "level",
        "key",
        name="pk_leaderboard_counts",
    ),
)

leaderboard_frozen = Table(
    "leaderboard_frozen",
    metadata,  # a finished period's place, frozen once: who inserts it pays the prizes
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("board_id", String(64), nullable=False),
    Column("period", String(16), nullable=False),
    Column("scope_key", String(64), nullable=False),
    Column("frozen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint(
        "program_id", "board_id", "period", "scope_key", name="pk_leaderboard_frozen"
    ),
)

leaderboard_results = Table(
    "leaderboard_results",
    metadata,  # a frozen period's top, and the prize each place was paid
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("board_id", String(64), nullable=False),
    Column("period", String(16), nullable=False),
    Column("scope_key", String(64), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("rank", BigInteger, nullable=False),
    Column("score", BigInteger, nullable=False),
    Column("prize", BigInteger, nullable=False),
    Column("entry_id", Id),
    PrimaryKeyConstraint(
        "program_id",
        "board_id",
        "period",
        "scope_key",
        "member_id",
        name="pk_leaderboard_results",
    ),
)

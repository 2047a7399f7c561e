"""What tiers count (a member's activity per month) and every tier change."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, text

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, Json, UTCDateTime

member_months = Table(
    "member_months",
    metadata,  # what tiers count: a member's activity per calendar month (programme's timezone)
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("month", Integer, primary_key=True),  # yyyymm
    Column("spend", BigInteger, nullable=False, server_default=text("0")),  # minor units, net
    Column("points", BigInteger, nullable=False, server_default=text("0")),  # earned, net
    Column("orders", Integer, nullable=False, server_default=text("0")),
)

tier_changes = Table(
    "tier_changes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("from_tier", String(64)),
    Column("to_tier", String(64)),
    Column("reason", String(32), nullable=False),
    Column("actor", String(128)),
    Column("detail", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_tier_changes_member", tier_changes.c.member_id, tier_changes.c.id)

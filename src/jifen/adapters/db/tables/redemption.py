"""Redemption: the stock of rewards, redemptions, vouchers, lottery draws and donations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, Json, UTCDateTime

reward_stock = Table(
    "reward_stock",
    metadata,  # the live count of each catalogue reward with a stock
    Column("program_id", Id, ForeignKey("programs.id"), primary_key=True),
    Column("reward", String(64), primary_key=True),
    Column("declared", BigInteger),  # the stock the published file declares
    Column("total", BigInteger),  # ever made available (None: unlimited)
    Column("taken", BigInteger, nullable=False, server_default=text("0")),  # by live redemptions
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("taken >= 0", name="taken_not_negative"),
    CheckConstraint("total IS NULL OR taken <= total", name="never_oversold"),
)

redemptions = Table(
    "redemptions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # reward, cash_offset
    Column("reward", String(64)),
    Column("quantity", Integer, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("cash", BigInteger, nullable=False),  # minor units: paid on top, or taken off
    Column("status", String(16), nullable=False),  # held, completed, released, expired, cancelled
    Column("hold_id", Id, ForeignKey("holds.id")),
    Column("entry_id", Id, ForeignKey("entries.id")),  # the debit, once the points are spent
    Column("reference", String(128)),  # the order paid with points
    Column("program_version", Integer, nullable=False),
    Column("detail", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("settled_at", UTCDateTime),
    CheckConstraint("points >= 0", name="points_not_negative"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)
Index("ix_redemptions_member", redemptions.c.member_id, redemptions.c.reward)
Index(
    "ix_redemptions_held",
    redemptions.c.hold_id,
    postgresql_where=redemptions.c.status == "held",
    sqlite_where=redemptions.c.status == "held",
)

vouchers = Table(
    "vouchers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("code", String(32), nullable=False),
    Column("redemption_id", Id, ForeignKey("redemptions.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("reward", String(64), nullable=False),
    Column("face_value", BigInteger, nullable=False),
    Column("min_spend", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # issued, consumed, cancelled
    Column("expires_at", UTCDateTime, nullable=False),
    Column("consumed_at", UTCDateTime),
    Column("consumed_reference", String(128)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("code", name="uq_vouchers_code"),
)
Index("ix_vouchers_member", vouchers.c.member_id)
Index("ix_vouchers_redemption", vouchers.c.redemption_id)

lottery_draws = Table(
    "lottery_draws",
    metadata,  # every draw, with what it was drawn against: enough to check it again
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("lottery", String(64), nullable=False),
    Column("table_version", String(16), nullable=False),  # Lottery.version: cost and prize table
    Column("program_version", Integer, nullable=False),
    Column("roll", BigInteger, nullable=False),  # the number drawn, below `out_of`
    Column("out_of", BigInteger, nullable=False),
    Column("drawn", String(64)),  # the prize the number won (None: no prize)
    Column("prize", String(64)),  # the prize given: `drawn`, or a fallback when out of stock
    Column("prize_kind", String(16)),  # points, reward
    Column("won", BigInteger, nullable=False),  # points won
    Column("reward", String(64)),  # the catalogue reward won
    Column("points", BigInteger, nullable=False),  # what the draw cost
    Column("entry_id", Id, ForeignKey("entries.id"), nullable=False),  # the debit
    Column("prize_entry_id", Id, ForeignKey("entries.id")),  # a points prize's credit
    Column("redemption_id", Id, ForeignKey("redemptions.id")),  # a reward prize
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("roll >= 0 AND roll < out_of", name="roll_in_range"),
)
Index("ix_lottery_draws_member", lottery_draws.c.member_id, lottery_draws.c.lottery)

donations = Table(
    "donations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("cause", String(64), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("entry_id", Id, ForeignKey("entries.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("points > 0", name="points_positive"),
)
Index("ix_donations_cause", donations.c.program_id, donations.c.cause)
Index("ix_donations_member", donations.c.member_id)

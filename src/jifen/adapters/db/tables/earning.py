"""What earning keeps besides the ledger: orders, refunds, activities, rule usage, streaks,
referrals, campaign budgets and what each entry spent of them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, Json, JsonOrNull, UTCDateTime

orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("paid", BigInteger, nullable=False),  # minor units
    Column("refunded", BigInteger, nullable=False, server_default=text("0")),
    Column("entry_id", Id, ForeignKey("entries.id")),
    Column("snapshot", Json, nullable=False),  # what the rules saw: order, member, usage
    Column("award", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # recorded after its points would have expired: out of its week's first place
    Column("arrived_expired", Boolean, nullable=False, server_default=text("false")),
    # what it added to challenges, for a refund to take back: {id: [round, tally]}
    Column("challenges", JsonOrNull),
    UniqueConstraint("program_id", "order_id", name="uq_orders_program_order"),
    CheckConstraint("refunded >= 0 AND refunded <= paid", name="refunded_within_paid"),
)
Index("ix_orders_member", orders.c.member_id, orders.c.placed_at)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("refund_id", String(128), nullable=False),
    Column("order_pk", Id, ForeignKey("orders.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("lines", Json, nullable=False),
    Column("entry_id", Id, ForeignKey("entries.id")),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("program_id", "refund_id", name="uq_refunds_program_refund"),
)
Index("ix_refunds_order", refunds.c.order_pk)

activities = Table(
    "activities",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Json, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("entry_id", Id, ForeignKey("entries.id")),
    Column("award", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_activities_member", activities.c.member_id, activities.c.kind)

rule_usage = Table(
    "rule_usage",
    metadata,
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("rule_id", String(64), primary_key=True),
    Column("period", String(32), primary_key=True),
    Column("points", BigInteger, nullable=False),
    Column("times", BigInteger, nullable=False),
)

member_streaks = Table(
    "member_streaks",
    metadata,
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("activity", String(64), primary_key=True),
    Column("last_day", Date, nullable=False),
    Column("days", Integer, nullable=False),
)

# A referee has one referrer, ever: the referee is the key. Written with the sign-up's
# payment; ``converted_at`` when the conversion is paid (once).
referrals = Table(
    "referrals",
    metadata,
    Column("referee_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("referrer_id", Id, ForeignKey("members.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("converted_at", UTCDateTime),
    # joined (waiting for what pays), converted (paid), voided (by an operator); ADR 0032
    Column("status", String(16), nullable=False, server_default=text("'joined'")),
    Column("rule_id", String(64)),  # the referral rule that paid
    Column("order_id", String(128)),  # the friend's purchase that converted it, if one did
    Column("friend_entry_id", BigInteger),  # the credits it paid, each side's
    Column("referrer_entry_id", BigInteger),
    Column("friend_points", BigInteger, nullable=False, server_default=text("0")),
    Column("referrer_points", BigInteger, nullable=False, server_default=text("0")),
    Column("available_at", UTCDateTime),  # its points pending until then (the return window)
    Column("voided_at", UTCDateTime),
    Column("void_reason", Text),
)
Index("ix_referrals_referrer", referrals.c.referrer_id, referrals.c.converted_at)
Index("ix_referrals_program", referrals.c.program_id, referrals.c.created_at)

campaign_budgets = Table(
    "campaign_budgets",
    metadata,
    Column("program_id", Id, ForeignKey("programs.id"), primary_key=True),
    Column("campaign_id", String(64), primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("budget", BigInteger, nullable=False),
    Column("spent", BigInteger, nullable=False, server_default=text("0")),
    CheckConstraint("spent >= 0 AND spent <= budget", name="spent_within_budget"),
)

campaign_spend = Table(
    "campaign_spend",
    metadata,
    Column("id", Id, primary_key=True),
    Column("entry_id", Id, ForeignKey("entries.id"), nullable=False),
    Column("campaign_id", String(64), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("shard", Integer, nullable=False),
    Column("points", BigInteger, nullable=False),  # negative when returned
)
Index("ix_campaign_spend_entry", campaign_spend.c.entry_id)

# How often each rule's condition failed to evaluate, per local day, with the latest
# failure: written only when one fails (rare), split over shards (by member) so that a
# rule broken on every order does not make its day's row a hot row.
rule_condition_errors = Table(
    "rule_condition_errors",
    metadata,
    Column("program_id", Id, ForeignKey("programs.id"), primary_key=True),
    Column("rule_id", String(64), primary_key=True),
    Column("day", Date, primary_key=True),  # in the programme's timezone
    Column("shard", Integer, primary_key=True),
    Column("errors", BigInteger, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("last_reference", String(128), nullable=False),  # the order id or activity type
    Column("last_error", String(500), nullable=False),  # the evaluator's text
    Column("last_problem", String(32), nullable=False),  # its stable code: wrong_types, ...
    Column("last_params", Json, nullable=False),  # what words the problem
)

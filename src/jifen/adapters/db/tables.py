"""The schema. Alembic migrations under ``migrations/`` must produce exactly this."""

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
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from jifen.adapters.db.types import Id, Json, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

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

members = Table(
    "members",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("phone", String(32)),
    Column("email", String(254)),
    Column("birthday", Date),
    Column("attributes", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("available", BigInteger, nullable=False, server_default=text("0")),
    Column("pending", BigInteger, nullable=False, server_default=text("0")),
    Column("held", BigInteger, nullable=False, server_default=text("0")),
    Column("tier", String(64)),
    Column("orders_count", BigInteger, nullable=False, server_default=text("0")),
    Column("spend_total", BigInteger, nullable=False, server_default=text("0")),  # minor units
    Column("last_order_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # the tier: `tier` is in effect (what earning uses); the rest is how it was reached
    Column("tier_earned", String(64)),
    Column("tier_since", UTCDateTime),
    Column("tier_review_month", Integer),  # yyyymm whose first instant reviews the tier
    Column("tier_at_risk", Boolean, nullable=False, server_default=text("false")),
    Column("tier_floor", String(64)),  # set by an operator: at least this tier ...
    Column("tier_floor_until", UTCDateTime),  # ... until then
    Column("tier_counted_from", Integer),  # yyyymm qualification counts from (after a demotion)
    Column("tier_nudged", String(64)),  # the next tier the member was told they are close to
    UniqueConstraint("program_id", "external_id", name="uq_members_program_external"),
    CheckConstraint("pending >= 0", name="pending_not_negative"),
    CheckConstraint("held >= 0", name="held_not_negative"),
)
Index("ix_members_program_phone", members.c.program_id, members.c.phone)
Index("ix_members_program_email", members.c.program_id, members.c.email)
# No index on a column the ledger or the nightly reviews update (balances, tier_*): on
# PostgreSQL such an update stays HOT (no index entries) in the room fillfactor leaves.
# See docs/adr/0006-members-updated-in-place.md.

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

entries = Table(
    "entries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("delta_available", BigInteger, nullable=False),
    Column("delta_pending", BigInteger, nullable=False),
    Column("delta_held", BigInteger, nullable=False),
    Column("reason", Text),
    Column("actor", String(128)),
    Column("reference", String(128)),
    Column("reverses_entry_id", Id, ForeignKey("entries.id")),
    Column("hold_id", Id),
    Column("program_version", Integer),
    Column("meta", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
)
Index("ix_entries_member_id", entries.c.member_id, entries.c.id)
Index("ix_entries_reverses", entries.c.reverses_entry_id)
Index("ix_entries_hold", entries.c.hold_id)

lots = Table(
    "lots",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("entry_id", Id, ForeignKey("entries.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("pending", Boolean, nullable=False),
    Column("source", String(16), nullable=False),
    Column("source_ref", String(128)),
    Column("rule_id", String(128)),
    Column("parent_lot_id", Id, ForeignKey("lots.id")),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_within_amount"),
)
Index(
    "ix_lots_member_open",
    lots.c.member_id,
    postgresql_where=lots.c.remaining > 0,
    sqlite_where=lots.c.remaining > 0,
)
Index("ix_lots_entry", lots.c.entry_id)
Index(
    "ix_lots_expiry_open",
    lots.c.expires_at,
    postgresql_where=lots.c.remaining > 0,
    sqlite_where=lots.c.remaining > 0,
)

draws = Table(
    "draws",
    metadata,
    Column("id", Id, primary_key=True),
    Column("entry_id", Id, ForeignKey("entries.id"), nullable=False),
    Column("lot_id", Id, ForeignKey("lots.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    CheckConstraint("amount <> 0", name="amount_not_zero"),
)
Index("ix_draws_lot", draws.c.lot_id)
Index("ix_draws_entry", draws.c.entry_id)

holds = Table(
    "holds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("entry_id", Id, ForeignKey("entries.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("captured", BigInteger, nullable=False, server_default=text("0")),
    Column("status", String(16), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("reference", String(128)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("settled_at", UTCDateTime),
    CheckConstraint("amount > 0", name="amount_positive"),
)
Index(
    "ix_holds_active_expiry",
    holds.c.expires_at,
    postgresql_where=holds.c.status == "active",
    sqlite_where=holds.c.status == "active",
)
Index("ix_holds_member", holds.c.member_id)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("program_id", Id, ForeignKey("programs.id"), primary_key=True),
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

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

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

imports = Table(
    "imports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # sha256: first 64 KiB, size, name
    Column("file_name", String(255), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("last_line", BigInteger, nullable=False),  # every row up to here is committed
    Column("imported", BigInteger, nullable=False),
    Column("skipped_existing", BigInteger, nullable=False),
    Column("rejected", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)
Index("ix_imports_file", imports.c.program_id, imports.c.fingerprint)

# --- the nightly pipeline (migration 0005) -----------------------------------------------

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
    metadata,  # each `points.expiring` event sent: once per member, last day and horizon
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

# --- redemption ---------------------------------------------------------------------

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

# --- the member portal -------------------------------------------------------------

signin_codes = Table(
    "signin_codes",
    metadata,  # one-time codes for the portal: only their keyed hash is kept
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("tries", Integer, nullable=False, server_default=text("0")),
    Column("used_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_signin_codes_member", signin_codes.c.member_id, signin_codes.c.id)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_web_sessions_member", web_sessions.c.member_id)

# --- the operator console ----------------------------------------------------------

operators = Table(
    "operators",
    metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),  # admin, operator, analyst, cashier
    Column("password_hash", String(255), nullable=False),  # argon2id
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("signed_in_at", UTCDateTime),
    UniqueConstraint("username", name="uq_operators_username"),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator_id", Id, ForeignKey("operators.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_console_sessions_operator", console_sessions.c.operator_id)

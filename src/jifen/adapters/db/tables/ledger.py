"""The ledger: members and their cached balances, entries, lots, draws and holds.

Every credit is a lot with ``remaining``; every debit draws from lots and says which
(``draws``), so reversals and expiry are exact. ``ix_lots_member_pending``, the
nightly pipeline's index on lots, is declared with the pipeline's tables.
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
    Column("chain_head", String(64)),  # the hash of the member's latest entry (ADR 0001)
    Column("erased_at", UTCDateTime),  # status erased: personal data removed then
    # how the member is known (ADR 0031): shown by, spoken to in, found at the till by
    # (16 digits, Luhn), shared with friends (8 characters); the codes never change
    Column("display_name", String(32)),
    Column("language", String(8)),
    Column("member_code", String(16)),
    Column("referral_code", String(8)),
    # a friend's referral waits for their first qualifying purchase (ADR 0032): a hint the
    # order path reads with the member, so that nobody else's order asks ``referrals``
    Column("referral_open", Boolean, nullable=False, server_default=text("false")),
    Column("badges", JsonOrNull),  # the badges held, sorted: member.badges in rules (ADR 0034)
    # the member keeps off leaderboards (ADR 0035)
    Column("hidden_from_boards", Boolean, nullable=False, server_default=text("false")),
    UniqueConstraint("program_id", "external_id", name="uq_members_program_external"),
    CheckConstraint("pending >= 0", name="pending_not_negative"),
    CheckConstraint("held >= 0", name="held_not_negative"),
)
Index("ix_members_program_phone", members.c.program_id, members.c.phone)
Index("uq_members_program_member_code", members.c.program_id, members.c.member_code, unique=True)
Index(
    "uq_members_program_referral_code",
    members.c.program_id,
    members.c.referral_code,
    unique=True,
)
Index("ix_members_program_email", members.c.program_id, members.c.email)
# No index on a column the ledger or the nightly reviews update (balances, tier_*): on
# PostgreSQL such an update stays HOT (no index entries) in the room fillfactor leaves.
# See docs/adr/0006-members-updated-in-place.md.


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
    # the member's chain: the previous entry's hash, and this one's (ADR 0001)
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
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
    Column(
        "issued_expires_at", UTCDateTime
    ),  # as issued; only a recorded extension moves expires_at
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

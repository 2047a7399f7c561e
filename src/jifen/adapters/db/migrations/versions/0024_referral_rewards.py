"""referrals keep what they paid, when, for which purchase, and whether an operator voided
them; members say whether a referral waits for their first qualifying purchase (ADR 0032)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 11:30:00.000000

A referral paid before this knew only when it converted: it is ``converted`` with no
entries named, and its points stay as they were paid.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jifen.adapters.db.types import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN: a batch copy of members (SQLite) would drop a table rows point to
    op.add_column(
        "referrals",
        sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'joined'")),
    )
    op.add_column("referrals", sa.Column("rule_id", sa.String(64)))
    op.add_column("referrals", sa.Column("order_id", sa.String(128)))
    op.add_column("referrals", sa.Column("friend_entry_id", sa.BigInteger))
    op.add_column("referrals", sa.Column("referrer_entry_id", sa.BigInteger))
    for side in ("friend_points", "referrer_points"):
        op.add_column(
            "referrals",
            sa.Column(side, sa.BigInteger, nullable=False, server_default=sa.text("0")),
        )
    op.add_column("referrals", sa.Column("available_at", UTCDateTime))
    op.add_column("referrals", sa.Column("voided_at", UTCDateTime))
    op.add_column("referrals", sa.Column("void_reason", sa.Text))
    op.add_column(
        "members",
        sa.Column("referral_open", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    op.execute("UPDATE referrals SET status = 'converted' WHERE converted_at IS NOT NULL")
    op.execute(
        "UPDATE members SET referral_open = true WHERE id IN"
        " (SELECT referee_id FROM referrals WHERE status = 'joined')"
    )
    op.drop_index("ix_referrals_referrer", table_name="referrals")
    op.create_index("ix_referrals_referrer", "referrals", ["referrer_id", "converted_at"])
    op.create_index("ix_referrals_program", "referrals", ["program_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_referrals_program", table_name="referrals")
    op.drop_index("ix_referrals_referrer", table_name="referrals")
    op.create_index("ix_referrals_referrer", "referrals", ["referrer_id"])
    op.execute("ALTER TABLE members DROP COLUMN referral_open")  # no batch copy: see upgrade
    for name in (
        "void_reason",
        "voided_at",
        "available_at",
        "referrer_points",
        "friend_points",
        "referrer_entry_id",
        "friend_entry_id",
        "order_id",
        "rule_id",
        "status",
    ):
        op.execute(f"ALTER TABLE referrals DROP COLUMN {name}")

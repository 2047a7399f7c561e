"""the devices members joined or signed in from, as keyed hashes (ADR 0031)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 07:30:00.000000

A referral code used from the referrer's own browser is refused, and the referral report
counts the friends who joined from one device.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jifen.adapters.db.types import Id, UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_devices",
        sa.Column("member_id", Id, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("device_hash", sa.String(64), primary_key=True),
        sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.Column("last_seen_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_member_devices_device", "member_devices", ["program_id", "device_hash"])


def downgrade() -> None:
    op.drop_index("ix_member_devices_device", table_name="member_devices")
    op.drop_table("member_devices")

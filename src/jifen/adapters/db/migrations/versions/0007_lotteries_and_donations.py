"""lotteries and donations: every draw recorded, gifts to causes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jifen.adapters.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = jifen.adapters.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "lottery_draws",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("lottery", sa.String(length=64), nullable=False),
        sa.Column("table_version", sa.String(length=16), nullable=False),
        sa.Column("program_version", sa.Integer(), nullable=False),
        sa.Column("roll", sa.BigInteger(), nullable=False),
        sa.Column("out_of", sa.BigInteger(), nullable=False),
        sa.Column("drawn", sa.String(length=64), nullable=True),
        sa.Column("prize", sa.String(length=64), nullable=True),
        sa.Column("prize_kind", sa.String(length=16), nullable=True),
        sa.Column("won", sa.BigInteger(), nullable=False),
        sa.Column("reward", sa.String(length=64), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("prize_entry_id", ID, nullable=True),
        sa.Column("redemption_id", ID, nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.CheckConstraint(
            "roll >= 0 AND roll < out_of", name=op.f("ck_lottery_draws_roll_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_lottery_draws_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_lottery_draws_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["prize_entry_id"],
            ["entries.id"],
            name=op.f("fk_lottery_draws_prize_entry_id_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_lottery_draws_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_lottery_draws_redemption_id_redemptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_draws")),
    )
    with op.batch_alter_table("lottery_draws", schema=None) as batch_op:
        batch_op.create_index("ix_lottery_draws_member", ["member_id", "lottery"], unique=False)
    op.create_table(
        "donations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("cause", sa.String(length=64), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_donations_points_positive")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_donations_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_donations_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_donations_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donations")),
    )
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.create_index("ix_donations_cause", ["program_id", "cause"], unique=False)
        batch_op.create_index("ix_donations_member", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_table("donations")
    op.drop_table("lottery_draws")

"""tiers: how each member reached their tier, monthly activity, and every change

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jifen.adapters.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tier_earned", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("tier_since", jifen.adapters.db.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("tier_review_month", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("tier_at_risk", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(sa.Column("tier_floor", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("tier_floor_until", jifen.adapters.db.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("tier_counted_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tier_nudged", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_members_tier_review",
            ["program_id", "tier_review_month"],
            unique=False,
            postgresql_where=sa.text("tier_review_month IS NOT NULL"),
            sqlite_where=sa.text("tier_review_month IS NOT NULL"),
        )
    op.create_table(
        "member_months",
        sa.Column("member_id", ID, nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("spend", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("points", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("orders", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_months_member_id_members")
        ),
        sa.PrimaryKeyConstraint("member_id", "month", name=op.f("pk_member_months")),
    )
    op.create_table(
        "tier_changes",
        sa.Column("id", ID, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("from_tier", sa.String(length=64), nullable=True),
        sa.Column("to_tier", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.Column("detail", jifen.adapters.db.types.Json, nullable=False),
        sa.Column("created_at", jifen.adapters.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_tier_changes_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_tier_changes_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_changes")),
    )
    with op.batch_alter_table("tier_changes", schema=None) as batch_op:
        batch_op.create_index("ix_tier_changes_member", ["member_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tier_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_tier_changes_member")
    op.drop_table("tier_changes")
    op.drop_table("member_months")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_tier_review")
        for column in (
            "tier_nudged",
            "tier_counted_from",
            "tier_floor_until",
            "tier_floor",
            "tier_at_risk",
            "tier_review_month",
            "tier_since",
            "tier_earned",
        ):
            batch_op.drop_column(column)

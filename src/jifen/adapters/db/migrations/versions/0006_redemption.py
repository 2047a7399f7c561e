"""redemption: live reward stock, redemptions and vouchers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jifen.adapters.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = jifen.adapters.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "reward_stock",
        sa.Column("program_id", ID, nullable=False),
        sa.Column("reward", sa.String(length=64), nullable=False),
        sa.Column("declared", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("taken", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.CheckConstraint("taken >= 0", name=op.f("ck_reward_stock_taken_not_negative")),
        sa.CheckConstraint(
            "total IS NULL OR taken <= total", name=op.f("ck_reward_stock_never_oversold")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_reward_stock_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("program_id", "reward", name=op.f("pk_reward_stock")),
    )
    op.create_table(
        "redemptions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reward", sa.String(length=64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("cash", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_id", ID, nullable=True),
        sa.Column("entry_id", ID, nullable=True),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("program_version", sa.Integer(), nullable=False),
        sa.Column("detail", jifen.adapters.db.types.Json, nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("settled_at", WHEN(), nullable=True),
        sa.CheckConstraint("points >= 0", name=op.f("ck_redemptions_points_not_negative")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_redemptions_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_redemptions_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name=op.f("fk_redemptions_hold_id_holds")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_redemptions_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_redemptions_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_redemptions_held",
            ["hold_id"],
            unique=False,
            postgresql_where=sa.text("status = 'held'"),
            sqlite_where=sa.text("status = 'held'"),
        )
        batch_op.create_index("ix_redemptions_member", ["member_id", "reward"], unique=False)
    op.create_table(
        "vouchers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("redemption_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("reward", sa.String(length=64), nullable=False),
        sa.Column("face_value", sa.BigInteger(), nullable=False),
        sa.Column("min_spend", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", WHEN(), nullable=False),
        sa.Column("consumed_at", WHEN(), nullable=True),
        sa.Column("consumed_reference", sa.String(length=128), nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_vouchers_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_vouchers_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_vouchers_redemption_id_redemptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
        sa.UniqueConstraint("code", name="uq_vouchers_code"),
    )
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.create_index("ix_vouchers_member", ["member_id"], unique=False)
        batch_op.create_index("ix_vouchers_redemption", ["redemption_id"], unique=False)


def downgrade() -> None:
    op.drop_table("vouchers")
    op.drop_table("redemptions")
    op.drop_table("reward_stock")

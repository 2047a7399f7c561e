"""leaderboards: scores per board, period and place, counts of scores for ranks, frozen
periods and their results; members may hide from boards (ADR 0035)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jifen.adapters.db.types import Id, UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

PLACE = ("program_id", "board_id", "period", "scope_key")


def _place() -> list[sa.Column[object]]:
    return [
        sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("board_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("scope_key", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "leaderboard_scores",
        sa.Column("member_id", Id, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("board_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("scope_key", sa.String(64), nullable=False),
        sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("score", sa.BigInteger, nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "member_id", "board_id", "period", "scope_key", name="pk_leaderboard_scores"
        ),
    )
    op.create_index(
        "ix_leaderboard_scores_top",
        "leaderboard_scores",
        [*PLACE, "hidden", sa.text("score DESC"), "member_id"],
    )
    op.create_table(
        "leaderboard_counts",
        *_place(),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(*PLACE, "level", "key", name="pk_leaderboard_counts"),
    )
    op.create_table(
        "leaderboard_frozen",
        *_place(),
        sa.Column("frozen_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint(*PLACE, name="pk_leaderboard_frozen"),
    )
    op.create_table(
        "leaderboard_results",
        *_place(),
        sa.Column("member_id", Id, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("rank", sa.BigInteger, nullable=False),
        sa.Column("score", sa.BigInteger, nullable=False),
        sa.Column("prize", sa.BigInteger, nullable=False),
        sa.Column("entry_id", Id),
        sa.PrimaryKeyConstraint(*PLACE, "member_id", name="pk_leaderboard_results"),
    )
    # plain ADD COLUMN: a batch copy of members (SQLite) would drop a table rows point to
    op.add_column(
        "members",
        sa.Column(
            "hidden_from_boards", sa.Boolean, nullable=False, server_default=sa.text("false")
        ),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE members DROP COLUMN hidden_from_boards")
    op.drop_table("leaderboard_results")
    op.drop_table("leaderboard_frozen")
    op.drop_table("leaderboard_counts")
    op.drop_index("ix_leaderboard_scores_top", table_name="leaderboard_scores")
    op.drop_table("leaderboard_scores")

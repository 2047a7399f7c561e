"""members join with a display name, a language and consents; every member has a
membership code and a referral code (ADR 0031)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 07:00:00.000000

Members who joined before get their codes here, a thousand at a time, drawn as new
members' are (``jifen.domain.engagement.codes``): the codes never change afterwards.
A sign-in code may now be for someone joining: no member yet, their details beside it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jifen.adapters.db.types import Id, Json, UTCDateTime
from jifen.domain.engagement.codes import new_member_code, new_referral_code

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN and unique indexes: a batch copy of members (SQLite) would drop a
    # table other rows point to
    op.add_column("members", sa.Column("display_name", sa.String(32)))
    op.add_column("members", sa.Column("language", sa.String(8)))
    op.add_column("members", sa.Column("member_code", sa.String(16)))
    op.add_column("members", sa.Column("referral_code", sa.String(8)))
    _codes_for_members_before()
    op.create_index(
        "uq_members_program_member_code", "members", ["program_id", "member_code"], unique=True
    )
    op.create_index(
        "uq_members_program_referral_code",
        "members",
        ["program_id", "referral_code"],
        unique=True,
    )
    with op.batch_alter_table("signin_codes") as batch:
        batch.alter_column("member_id", existing_type=Id, nullable=True)
        batch.add_column(sa.Column("enrolment", Json))
    op.create_table(
        "consents",
        sa.Column("id", Id, primary_key=True),
        sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("member_id", Id, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_consents_member", "consents", ["member_id", "purpose", "channel"])


def _codes_for_members_before() -> None:
    conn = op.get_bind()
    members = sa.table(
        "members",
        sa.column("id", Id),
        sa.column("member_code", sa.String),
        sa.column("referral_code", sa.String),
    )
    taken: set[str] = set()  # codes are unique per programme; across all is stricter
    while True:
        ids = (
            conn.execute(sa.select(members.c.id).where(members.c.member_code.is_(None)).limit(1000))
            .scalars()
            .all()
        )
        if not ids:
            return
        rows = []
        for member_id in ids:
            code, referral = new_member_code(), new_referral_code()
            while code in taken or referral in taken:
                code, referral = new_member_code(), new_referral_code()
            taken.update((code, referral))
            rows.append({"b_id": member_id, "b_code": code, "b_referral": referral})
        conn.execute(
            members.update()
            .where(members.c.id == sa.bindparam("b_id"))
            .values(member_code=sa.bindparam("b_code"), referral_code=sa.bindparam("b_referral")),
            rows,
        )


def downgrade() -> None:
    op.drop_index("ix_consents_member", table_name="consents")
    op.drop_table("consents")
    op.execute("DELETE FROM signin_codes WHERE member_id IS NULL")
    with op.batch_alter_table("signin_codes") as batch:
        batch.drop_column("enrolment")
        batch.alter_column("member_id", existing_type=Id, nullable=False)
    op.drop_index("uq_members_program_referral_code", table_name="members")
    op.drop_index("uq_members_program_member_code", table_name="members")
    for column in ("referral_code", "member_code", "language", "display_name"):
        op.execute(f"ALTER TABLE members DROP COLUMN {column}")  # no batch copy: see upgrade

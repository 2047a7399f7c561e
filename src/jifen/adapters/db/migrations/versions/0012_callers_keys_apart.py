"""callers' idempotency keys apart from jifen's own

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 20:30:00.000000

An idempotency key is now unique per programme *and scope*: ``caller`` (a key that came
with a request) or ``jifen`` (a key jifen makes from its own ids: ``order:{id}``,
``refund:{id}``, ``birthday:{member}:{year}``, ``balance:{member}/{reference}``). Until
now both shared one namespace, so an adjustment sent with ``Idempotency-Key:
order:rp-9`` blocked order ``rp-9`` for ever.

Existing rows are caller's unless the business record jifen keyed them for exists: an
``order:X`` row is jifen's if order X was recorded (a caller's ``order:X`` would have
kept it from being recorded), and likewise for refunds, birthday gifts (an entry whose
reference is ``birthday-{year}`` for that member) and opening balances (an ``import``
lot's entry with that reference). Downgrading puts both scopes back into one
namespace: where a caller's key has the same text as one of jifen's, the caller's row is
dropped (jifen's records were written under theirs).

A referee has at most one referrer, ever: ``referrals`` holds one row per referee (its
primary key), written in the transaction that pays the sign-up, and marked when the
conversion is paid.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jifen.adapters.db.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = jifen.adapters.db.types.UTCDateTime

JIFENS = """
UPDATE idempotency_keys SET scope = 'jifen'
WHERE (key LIKE 'order:%' AND EXISTS (
        SELECT 1 FROM orders o
        WHERE o.program_id = idempotency_keys.program_id
          AND o.order_id = substr(idempotency_keys.key, 7)))
   OR (key LIKE 'refund:%' AND EXISTS (
        SELECT 1 FROM refunds r
        WHERE r.program_id = idempotency_keys.program_id
          AND r.refund_id = substr(idempotency_keys.key, 8)))
   OR (key LIKE 'birthday:%' AND EXISTS (
        SELECT 1 FROM entries e JOIN members m ON m.id = e.member_id
        WHERE e.program_id = idempotency_keys.program_id
          AND e.reference LIKE 'birthday-%'
          AND idempotency_keys.key
              = 'birthday:' || m.external_id || ':' || substr(e.reference, 10)))
   OR (key LIKE 'balance:%' AND EXISTS (
        SELECT 1 FROM entries e JOIN members m ON m.id = e.member_id
        JOIN lots l ON l.entry_id = e.id AND l.source = 'import'
        WHERE e.program_id = idempotency_keys.program_id
          AND idempotency_keys.key = 'balance:' || m.external_id || '/' || e.reference))
"""

CLASHING_CALLERS = """
DELETE FROM idempotency_keys
WHERE scope = 'caller' AND EXISTS (
    SELECT 1 FROM idempotency_keys j
    WHERE j.scope = 'jifen' AND j.program_id = idempotency_keys.program_id
      AND j.key = idempotency_keys.key)
"""


def _keys_table(*, scoped: bool) -> sa.Table:
    """``idempotency_keys`` as it is with or without its scope: SQLite changes a primary
    key by copying the table into this shape."""
    scope = [sa.Column("scope", sa.String(8), nullable=False)] if scoped else []
    return sa.Table(
        "idempotency_keys",
        sa.MetaData(),
        sa.Column("program_id", ID, nullable=False),
        *scope,
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", jifen.adapters.db.types.Json, nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name="fk_idempotency_keys_program_id_programs"
        ),
        sa.PrimaryKeyConstraint(
            "program_id", *(["scope"] if scoped else []), "key", name="pk_idempotency_keys"
        ),
    )


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as b:
        b.add_column(sa.Column("scope", sa.String(8), nullable=False, server_default="caller"))
    op.execute(JIFENS)
    if _sqlite():
        with op.batch_alter_table(
            "idempotency_keys", copy_from=_keys_table(scoped=True), recreate="always"
        ):
            pass
    else:
        op.alter_column("idempotency_keys", "scope", server_default=None)
        op.drop_constraint("pk_idempotency_keys", "idempotency_keys", type_="primary")
        op.create_primary_key(
            "pk_idempotency_keys", "idempotency_keys", ["program_id", "scope", "key"]
        )
    _create_referrals()


def _create_referrals() -> None:
    op.create_table(
        "referrals",
        sa.Column("referee_id", ID, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("referrer_id", ID, nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("converted_at", WHEN(), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_referrals_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["referee_id"], ["members.id"], name=op.f("fk_referrals_referee_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"], ["members.id"], name=op.f("fk_referrals_referrer_id_members")
        ),
        sa.PrimaryKeyConstraint("referee_id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals") as b:
        b.create_index("ix_referrals_referrer", ["referrer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("referrals")
    op.execute(CLASHING_CALLERS)
    if _sqlite():
        with op.batch_alter_table(
            "idempotency_keys", copy_from=_keys_table(scoped=False), recreate="always"
        ):
            pass
    else:
        op.drop_constraint("pk_idempotency_keys", "idempotency_keys", type_="primary")
        op.drop_column("idempotency_keys", "scope")
        op.create_primary_key("pk_idempotency_keys", "idempotency_keys", ["program_id", "key"])

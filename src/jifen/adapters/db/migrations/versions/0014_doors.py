"""sign-in codes hashed, sign-in attempts counted, API keys revocable

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:30:00.000000

A sign-in code is no longer written into the outbox: its event names the code's row,
and the code is derived at delivery from the row's seed and the app secret (ADR 0015).
Codes already in the outbox lose their text here; a member whose code was in flight
asks for another. ``door_attempts`` counts codes asked for and failed console sign-ins
where every server process sees them. A rotated API key names its replacement.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SIGNIN_TOPIC = "member.signin_code_issued"


def upgrade() -> None:
    with op.batch_alter_table("signin_codes") as batch:
        batch.add_column(sa.Column("ticket_hash", sa.String(64)))
        batch.add_column(sa.Column("seed", sa.String(64)))
        batch.create_index("ix_signin_codes_ticket", ["ticket_hash"])
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("replaced_by", Id))
    op.create_table(
        "door_attempts",
        sa.Column("id", Id, primary_key=True),
        sa.Column("door", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_door_attempts_subject", "door_attempts", ["door", "scope", "subject", "at"])
    _forget_codes_in_outbox()


def _forget_codes_in_outbox() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, payload FROM outbox WHERE topic = :t"), {"t": SIGNIN_TOPIC}
    ).all()
    value = "CAST(:p AS JSONB)" if bind.dialect.name == "postgresql" else ":p"
    for row_id, payload in rows:
        body = json.loads(payload) if isinstance(payload, str) else dict(payload)
        if "code" not in body:
            continue
        body.pop("code")
        update = sa.text(f"UPDATE outbox SET payload = {value} WHERE id = :i")
        bind.execute(update, {"p": json.dumps(body), "i": row_id})


def downgrade() -> None:
    op.drop_index("ix_door_attempts_subject", table_name="door_attempts")
    op.drop_table("door_attempts")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("replaced_by")
    with op.batch_alter_table("signin_codes") as batch:
        batch.drop_index("ix_signin_codes_ticket")
        batch.drop_column("seed")
        batch.drop_column("ticket_hash")

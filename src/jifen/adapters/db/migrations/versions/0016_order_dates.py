"""orders kept by their own dates

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 20:30:00.000000

Empty on purpose, and kept. It was reserved (with 0012-0015) for the trust work on an
order's own date, so that work's parts could land in any order on one chain. That work
needed no schema change: a backdated order's lots carry its date in ``lots.created_at``
(``NewLot.earned_at``), its entry in ``meta.occurred_at``, and the week's first order is
read on ``ix_orders_member (member_id, placed_at)``, all there since 0001-0002 (ADR 0018).
Databases migrated since it was added are stamped ``0016``: deleting or renumbering it
would leave them on a revision Alembic no longer knows, and putting a change in it now
would never reach them. A later change goes in a later revision (0017 follows).
"""

from __future__ import annotations

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

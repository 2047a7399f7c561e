"""orders recorded after their points expired are out of their week

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 10:00:00.000000

``orders.arrived_expired``: the order was recorded after its points would have expired
(a till or an import years late). It credits nothing, and is never its week's first:
``first_in`` does not see it (ADR 0018). The orders recorded so before this revision are
found by what they kept: no entry, and an award whose lines were skipped as
``already_expired`` (only such an order is explained so).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column("arrived_expired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.get_bind().execute(
        sa.text(
            "UPDATE orders SET arrived_expired = :yes WHERE entry_id IS NULL"
            " AND CAST(award AS TEXT) LIKE '%\"already_expired\"%'"
        ),
        {"yes": True},
    )


def downgrade() -> None:
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of orders would drop
    # a table refunds point to
    op.execute("ALTER TABLE orders DROP COLUMN arrived_expired")

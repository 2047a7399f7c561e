"""events in the past tense: the outbox's earlier topics renamed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:30:00.000000

Postings were published as ``points.<verb>`` (``points.earn``) beside events in the
past tense (``member.created``); they are now ``points.earned``, ``points.held``... The
rows already in the outbox are renamed with them, so a consumer (and the developer
mailbox) reads one name for one kind of event, whenever it was written. The names are
written out here, not imported: a migration keeps the names of its day.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

RENAMED = {
    "points.earn": "points.earned",
    "points.redeem": "points.redeemed",
    "points.hold": "points.held",
    "points.capture": "points.captured",
    "points.release": "points.released",
    "points.expire": "points.expired",
    "points.reverse": "points.reversed",
    "points.adjust": "points.adjusted",
    "points.mature": "points.matured",
    "points.expiring": "points.expiry_approached",
    "tier.nearly_there": "tier.nearly_reached",
    "notification.signin_code": "member.signin_code_issued",
}


def _rename(names: dict[str, str]) -> None:
    rename = sa.text("UPDATE outbox SET topic = :new WHERE topic = :old")
    for old, new in names.items():
        op.get_bind().execute(rename, {"old": old, "new": new})


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})

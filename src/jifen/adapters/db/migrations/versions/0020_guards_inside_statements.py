"""a guard that fails a statement: jifen_require

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 06:00:00.000000

``jifen_require(ok, code)``, PostgreSQL only: true when ``ok``, or an error with
SQLSTATE ``JF001`` and ``code`` as its message. A write sent in a pipeline, with the
commit behind it, cannot have its row count checked by the client before the commit
goes out; written as ``SELECT jifen_require(count(*) = n, ...) FROM (the write)``, a
guard that fails aborts the transaction instead, and the commit with it. SQLite writes
one statement at a time and checks the count itself.
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

REQUIRE = """
CREATE FUNCTION jifen_require(ok boolean, code text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'JF001', MESSAGE = code;
    END IF;
    RETURN true;
END
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REQUIRE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION jifen_require(boolean, text)")

"""The relational store: SQLite by default, PostgreSQL in production.

One package per business area, as in ``jifen.services``: ``ledger``, ``earning``,
``tiers``, ``redemption``, ``access``, ``programs``, ``nightly``, ``reporting``,
``imports``, each exporting its ``Sql*`` repositories; ``tables`` holds the schema, one
module per area. Shared at the top: the engine (``engine``), column types (``types``),
rows into domain objects (``rows``), planner settings (``planning``), the records every
area writes (``members``, ``idempotency``, ``outbox``, ``audit``) and the unit of work
that puts every repository on one connection (``uow``). Alembic's migrations are under
``migrations``.
"""

from jifen.adapters.db.engine import create_engine_for, is_postgres
from jifen.adapters.db.uow import SqlUnitOfWork

__all__ = ["SqlUnitOfWork", "create_engine_for", "is_postgres"]

"""The relational store: SQLite by default, PostgreSQL in production."""

from jifen.adapters.db.engine import create_engine_for, is_postgres
from jifen.adapters.db.uow import SqlUnitOfWork

__all__ = ["SqlUnitOfWork", "create_engine_for", "is_postgres"]

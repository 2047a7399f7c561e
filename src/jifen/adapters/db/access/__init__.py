"""Access in SQL: who may come in. ``SqlApiKeys`` finds an integrator's key by its public
prefix and keeps only a hash of the secret (``apikeys``); ``SqlAccess`` keeps the member
portal's one-time sign-in codes and sessions (``portal_signin``); ``SqlOperators`` the
console's operators, their roles and sessions (``operators``); ``SqlDoors`` counts the
attempts at each door that its limits are made of (``doors``).
"""

from jifen.adapters.db.access.apikeys import SqlApiKeys
from jifen.adapters.db.access.doors import SqlDoors
from jifen.adapters.db.access.operators import SqlOperators
from jifen.adapters.db.access.portal_signin import SqlAccess

__all__ = ["SqlAccess", "SqlApiKeys", "SqlDoors", "SqlOperators"]

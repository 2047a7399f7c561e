"""The ledger in SQL. ``SqlLedger`` is the ``Ledger`` port: a posting applied by guarded
updates that check every row count (``postings``), on top of credits in bulk
(``credits``) and the reads of lots, entries and holds (``reads``); the two write paths
share the balance move and a posting's rows (``statements``). ``SqlVerifier`` recomputes
every balance from the entries, lots, draws and holds, set-based (``verification``).
"""

from jifen.adapters.db.ledger.credits import SqlCredits
from jifen.adapters.db.ledger.postings import SqlLedger
from jifen.adapters.db.ledger.reads import SqlLedgerReads
from jifen.adapters.db.ledger.verification import SqlVerifier

__all__ = ["SqlCredits", "SqlLedger", "SqlLedgerReads", "SqlVerifier"]

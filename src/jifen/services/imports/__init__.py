"""Files in bulk: order history and opening balances, batched, idempotent, resumable.

- ``balance_records``: One row of a balance file, checked before the database sees it: a dict to
  an ``OpenBalance``.
- ``commands``: Imports' commands: an opening balance.
- ``opening_balances``: Opening balances: the points members bring from the system a brand
  leaves.
- ``order_records``: One imported record, checked before the database sees it: a dict to a
  ``PlaceOrder``.
- ``order_rows``: The rows of an order file, for ``imports.import_orders``: one order a row.
- ``ports``: The checkpoints of file imports.
- ``rows``: What an import reads and reports: a file, its rows, the handler of one kind of row,
  the summary.
- ``runner``: Importing files in bulk: batched, idempotent, resumable, in bounded memory.
"""

from jifen.services.imports.commands import (
    OpenBalance,
)
from jifen.services.imports.rows import (
    BatchWriter,
    ImportFile,
    ImportOptions,
    ImportSummary,
    Rejected,
    Row,
    RowHandler,
    Written,
)
from jifen.services.imports.runner import (
    import_balances,
    import_orders,
    run_import,
    unfinished_import,
)

__all__ = [
    "BatchWriter",
    "ImportFile",
    "ImportOptions",
    "ImportSummary",
    "OpenBalance",
    "Rejected",
    "Row",
    "RowHandler",
    "Written",
    "import_balances",
    "import_orders",
    "run_import",
    "unfinished_import",
]
